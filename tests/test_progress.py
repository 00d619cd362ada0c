"""Progress on a terminal: `qa ingest` and `qa eval` run under a real pseudo-terminal say what they count
(articles read, chunks embedded, questions answered) and end with a one-line summary; off a terminal
they print no bar at all."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios

from qa.progress import TerminalProgress
from tests.conftest import ROOT

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_names_what_it_counts_and_off_a_terminal_prints_nothing():
    tty = _Tty()
    with TerminalProgress("Indexing notes", 40, "articles read", stream=tty, min_interval=0) as bar:
        bar.advance(3, "24 chunks embedded")
    assert "Indexing notes: 3/40 articles read, 24 chunks embedded" in tty.getvalue()
    pipe = io.StringIO()
    with TerminalProgress("Indexing notes", 40, "articles read", stream=pipe) as bar:
        bar.advance(3, "24 chunks embedded")
    assert pipe.getvalue() == ""
    small = _Tty()
    with TerminalProgress("Indexing notes", 5, "articles read", stream=small, min_total=20) as bar:
        bar.advance(5)
    assert small.getvalue() == ""  # done before a bar would say anything


def _on_a_terminal(args: list[str], env: dict) -> tuple[str, int]:
    """Run `python -m qa.cli ARGS` with stdout and stderr on a pseudo-terminal; everything it wrote."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))  # rows, columns
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", *args], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    out = b""
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        out += data
    os.close(leader)
    return ANSI.sub("", out.decode("utf-8", "replace").replace("\r\n", "\n")), proc.wait(timeout=300)


def test_ingest_and_eval_on_a_terminal_say_what_they_do_and_end_with_a_summary(tmp_path):
    corpus = tmp_path / "notes"
    corpus.mkdir()
    for i in range(24):
        (corpus / f"note-{i:02d}.json").write_text(json.dumps({
            "title": f"Ferry timetable change {i}", "outlet": "Harbour Post", "published": "2026-03-01",
            "body": f"The ferry on route {i} will leave at {6 + i % 12} o'clock from March. " * 5}), encoding="utf-8")
    env = {**os.environ, "QA_DATA_DIR": str(tmp_path / "data")}
    shown, code = _on_a_terminal(["ingest", str(corpus)], env)
    assert code == 0, shown
    assert re.search(r"Indexing notes: \d+/24 articles read, \d+ chunks embedded", shown), shown
    last = [line for line in shown.replace("\r", "\n").splitlines() if line.strip()][-1]
    assert re.fullmatch(r"ingested \S+ in [\d.]+ s: 24 articles \(24 added, 0 updated, 0 unchanged, 0 removed\); "
                        r"chunks: \d+ added, 0 updated, 0 unchanged, 0 removed", last.strip()), last

    env["QA_DATA_DIR"] = str(tmp_path / "eval-data")
    env["QA_SEEDS_DIR"] = str(ROOT / "seeds")
    shown, code = _on_a_terminal(["eval", "--limit", "3", "--json", str(tmp_path / "out.json")], env)
    assert code == 0, shown
    assert re.search(r"Scoring news\S*: \d+/12 questions answered, by \w+", shown), shown
    assert re.search(r"news\S*: 3 questions answered by 4 systems in [\d.]+ s; ours: answer match [\d.]+", shown), shown
