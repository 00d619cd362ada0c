"""The tree shows the architecture, and this test holds it: dependencies point one way between the front
ends (web -> qa <- ingest; eval_cli may use both) and, inside qa, down the stages
(evaluation -> assistant/cli -> answering -> retrieval -> index -> language -> config/errors/schema),
with no import cycle anywhere, no private name imported across packages, and `import qa.schema`
loading only itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("qa", "ingest", "web", "eval_cli")
USERS = PACKAGES + ("benchmarks",)  # benchmarks use the packages' public names only
# rank of each part of qa: a module may import only parts of lower or equal rank (equal: the same part)
QA_RANKS = {"config": 0, "errors": 0, "schema": 0, "progress": 0, "language": 1, "index": 2, "retrieval": 3,
            "answering": 4, "assistant": 5, "cli": 6, "evaluation": 7}
FRONT_ENDS = {"web": {"qa"}, "ingest": {"qa"}, "eval_cli": {"qa", "ingest"}, "qa": set()}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path) -> dict[str, set[tuple[str, str]]]:
    """module -> {(imported module, imported name or "")}, for imports of our own packages only. Imports
    inside functions count too: a lazy import is still a dependency."""
    graph: dict[str, set[tuple[str, str]]] = {}
    modules = {module_name(p, root) for pkg in PACKAGES for p in (root / pkg).rglob("*.py")}
    for pkg in (p for p in USERS if (root / p).is_dir()):
        for path in (root / pkg).rglob("*.py"):
            name = module_name(path, root)
            edges = graph.setdefault(name, set())
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    edges |= {(a.name, "") for a in node.names if a.name.split(".")[0] in PACKAGES}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                        and node.module.split(".")[0] in PACKAGES:
                    for alias in node.names:
                        sub = f"{node.module}.{alias.name}"
                        edges.add((sub, "") if sub in modules else (node.module, alias.name))
    return graph


def part(module: str) -> str:
    """The stage a qa module belongs to ("qa.answering.llm" -> "answering"); the package otherwise."""
    pieces = module.split(".")
    return pieces[1] if pieces[0] == "qa" and len(pieces) > 1 else pieces[0]


def problems(graph: dict[str, set[tuple[str, str]]]) -> list[str]:
    found = []
    for module, edges in graph.items():
        for target, name in edges:
            src, dst = module.split(".")[0], target.split(".")[0]
            if src in FRONT_ENDS and src != dst and dst not in FRONT_ENDS[src]:
                found.append(f"{module} imports {target}: {src} may not import {dst}")
            if src == dst == "qa" and module != "qa" and target != "qa":
                a, b = part(module), part(target)
                if a != b and QA_RANKS[b] > QA_RANKS[a]:
                    found.append(f"{module} imports {target}: {a} may not import {b} (a later stage)")
            if name.startswith("_") and not name.startswith("__") and part(module) != part(target):
                found.append(f"{module} imports the private {target}.{name}")
    return found + cycles(graph)


def cycles(graph: dict[str, set[tuple[str, str]]]) -> list[str]:
    """Each import cycle among our modules, as "a -> b -> a" (one per cycle found by a depth-first walk)."""
    edges = {m: sorted({t for t, _ in e if t in graph and t != m}) for m, e in graph.items()}
    state, stack, out = {}, [], []

    def visit(m: str) -> None:
        state[m] = "open"
        stack.append(m)
        for t in edges[m]:
            if state.get(t) == "open":
                out.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(edges):
        if m not in state:
            visit(m)
    return [f"import cycle: {c}" for c in out]


def test_imports_point_one_way_with_no_cycle():
    assert problems(import_graph(ROOT)) == []


def test_every_qa_module_sits_in_a_stage_that_says_what_it_owns():
    for path in (ROOT / "qa").rglob("*.py"):
        if path.parent == ROOT / "qa":
            assert path.stem in QA_RANKS or path.stem == "__init__", f"{path.name}: which stage is it?"
    for folder in (ROOT / "qa").iterdir():
        if folder.is_dir() and (folder / "__init__.py").exists():
            assert folder.name in QA_RANKS, folder
            doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
            assert doc and "import" in doc, f"qa/{folder.name}/__init__.py must say what it may import"


@pytest.mark.parametrize("backward", [
    ("qa/index/keyword.py", "from qa.answering.question import analyse\n"),  # index -> answering
    ("qa/retrieval/scope.py", "import qa.evaluation.metrics\n"),  # retrieval -> evaluation
    ("qa/language/text.py", "from qa.language.synonyms import related\n"),  # synonyms imports text: a cycle
    ("qa/schema.py", "from web import create_app\n"),  # qa -> a front end
    ("ingest/chunk.py", "from qa.index.store import _open_client\n"),  # a private name across packages
    ("benchmarks/synthetic.py", "from ingest.pipeline import _mark_copy\n"),
])
def test_the_check_fails_when_an_import_points_backward(tmp_path, backward):
    import shutil

    for pkg in USERS:
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__", "testsets"))
    path, line = backward
    target = tmp_path / path
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    assert problems(import_graph(tmp_path))


def test_importing_the_schema_loads_only_the_schema():
    code = "import sys, qa.schema; print(sorted(m for m in sys.modules if m.split('.')[0] in ('qa', 'chromadb', 'flask')))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['qa', 'qa.schema']"


@pytest.mark.parametrize("library, owner", [("chromadb", "qa/index/store.py"), ("tantivy", "qa/index/keyword.py")])
def test_one_module_per_third_party_boundary(library, owner):
    importing = set()
    for package in ("qa", "ingest", "web", "eval_cli"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(n.split(".")[0] == library for n in names):
                    importing.add(path.relative_to(ROOT).as_posix())
    assert importing == {owner}
