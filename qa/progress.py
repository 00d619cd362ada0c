"""Progress on a terminal for the long commands (ingest, eval): a tqdm bar on stderr that says what it
counts ("12/40 articles read, 96 chunks embedded"), shown only when stderr is a terminal, and gone
when the work ends so that the command's one-line summary is what stays on screen."""

from __future__ import annotations

import sys
from typing import TextIO

BAR_FORMAT = "{desc}: {n_fmt}/{total_fmt} {unit}{postfix} [{elapsed}<{remaining}]"


class TerminalProgress:
    """`advance(n, note)` moves the bar by n and shows `note` after the count; a no-op off a terminal."""

    def __init__(self, what: str, total: int, unit: str, note: str = "", stream: TextIO | None = None,
                 min_total: int = 1, min_interval: float = 0.2):
        self.stream = stream or sys.stderr
        self.bar = None
        if total >= min_total and _is_terminal(self.stream):
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=what, unit=unit, file=self.stream, leave=False,
                            bar_format=BAR_FORMAT, mininterval=min_interval, postfix=note or None)

    def advance(self, n: int = 1, note: str = "") -> None:
        if self.bar is None:
            return
        if note:
            self.bar.set_postfix_str(note, refresh=False)
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> "TerminalProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
