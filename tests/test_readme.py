"""Every command the README shows runs as written on a fresh clone: each `qa` line parses with the
CLI's own parser, every file or folder it reads ships with the project, and every `make` target and
benchmark flag exists. (The commands themselves run in other tests; here the README is held to them.)"""

from __future__ import annotations

import re
import shlex

import pytest

from benchmarks.__main__ import parse as parse_benchmarks
from qa.cli import build_parser
from tests.conftest import ROOT

README = ROOT / "README.md"
OUTPUT_OPTIONS = {"--json", "--report"}  # files a command writes, not reads


def _commands() -> list[str]:
    """The indented code lines of the README, continuation lines joined, comments dropped."""
    lines, out = README.read_text(encoding="utf-8").splitlines(), []
    pending = ""
    for line in lines:
        if not line.startswith("    ") or not line.strip():
            pending = ""
            continue
        text = pending + " " + line.strip() if pending else line.strip()
        if text.endswith("\\"):
            pending = text[:-1].strip()
            continue
        pending = ""
        out.append(re.sub(r"\s+#.*$", "", text))
    return out


def _qa_lines() -> list[list[str]]:
    found = [shlex.split(c)[1:] for c in _commands() if c.startswith((".venv/bin/qa ", "qa "))]
    assert len(found) >= 8, "the README's qa commands were not found"
    return found


@pytest.mark.parametrize("argv", _qa_lines(), ids=lambda a: " ".join(a)[:60])
def test_each_qa_command_of_the_readme_parses_and_reads_only_shipped_files(argv):
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse rejects it: the README is out of date
        pytest.fail(f"qa {' '.join(argv)} does not parse (exit {exc.code})")
    assert getattr(args, "run", None), f"qa {' '.join(argv)} names no command"
    for i, token in enumerate(argv):
        written = i > 0 and argv[i - 1] in OUTPUT_OPTIONS
        if written or token.startswith("-") or not re.search(r"/|\.(jsonl?|html?|md)$", token):
            continue
        assert not token.startswith(".."), f"qa {' '.join(argv)} reads {token}, outside the project"
        assert (ROOT / token).exists(), f"qa {' '.join(argv)} reads {token}, which a fresh clone does not have"


def test_the_make_targets_and_benchmark_flags_of_the_readme_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    commands = _commands()
    for command in commands:
        if command.startswith("make "):
            assert set(command.split()[1:]) <= targets, command
    text = README.read_text(encoding="utf-8")
    for flags in re.findall(r"python -m benchmarks((?: --[\w-]+)+)", text):
        parse_benchmarks(flags.split())  # exits on an unknown flag
    assert {"make run", "make test"} <= set(commands)
