"""`python -m benchmarks.trip --data-dir DIR`: how far one question travels through the code. Each
shipped question is asked once under a profiler. Two trips are followed, each as the functions of
`qa/` in the order first called: every function called, and the functions handed the question as text
(an argument holding most of its words and not much more: a function that reads the question again).
For each: the files passed through, the functions, and the returns to a file already visited (a call
into a file left earlier). Prints the median and worst per question and the files most returned to.
Needs an index of the seeds in DIR (`qa --data-dir DIR ingest seeds`)."""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

from benchmarks.procs import REPO

QA = str(REPO / "qa") + "/"


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def _holds_question(value, asked: set[str]) -> bool:
    """A string holding at least 70% of the question's words and at most twice as many words."""
    if not isinstance(value, str) or not asked:
        return False
    words = _words(value)
    return len(asked & words) >= 0.7 * len(asked) and len(words) <= 2 * len(asked)


def trip(question: str, call) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(every qa function called, those handed the question as text), each as (file, function) in the
    order first called while `call()` runs."""
    called: dict[tuple[str, str], None] = {}
    reading: dict[tuple[str, str], None] = {}
    asked = _words(question)

    def profile(frame, event, _arg):
        code = frame.f_code
        if event != "call" or not code.co_filename.startswith(QA):
            return
        key = (code.co_filename[len(QA):], code.co_qualname)
        called.setdefault(key, None)
        arguments = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        if any(_holds_question(frame.f_locals.get(a), asked) for a in arguments):
            reading.setdefault(key, None)

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return list(called), list(reading)


def returns(functions: list[tuple[str, str]]) -> Counter:
    """Per file, how often the trip comes back to it after leaving it."""
    back: Counter = Counter()
    visited: set[str] = set()
    previous = None
    for file, _ in functions:
        if file != previous and file in visited:
            back[file] += 1
        visited.add(file)
        previous = file
    return back


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.trip", description=__doc__)
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--questions", type=int, default=40)
    args = p.parse_args(argv)

    from qa.assistant import Assistant
    from qa.config import Settings
    from qa.evaluation.evaluate import shipped_testset

    assistant = Assistant.build(Settings(data_dir=args.data_dir))
    assistant.ask("warm up")  # the model and the keyword index load outside the trips
    cases = shipped_testset().cases[: args.questions]
    trips = [trip(case.question, lambda: assistant.ask(case.question)) for case in cases]
    print(f"{len(cases)} shipped questions, per question (median / max)")
    for title, index in (("every qa function called", 0), ("functions handed the question as text", 1)):
        followed = [t[index] for t in trips]
        files = [len({f for f, _ in t}) for t in followed]
        back = [returns(t) for t in followed]
        total = [sum(b.values()) for b in back]
        print(f"{title}:")
        print(f"  files {statistics.median(files):.0f} / {max(files)}, functions "
              f"{statistics.median(map(len, followed)):.0f} / {max(map(len, followed))}, returns to a visited file "
              f"{statistics.median(total):.0f} / {max(total)}")
        worst = sum(back, Counter())
        print("  most returned to: " + ", ".join(f"{f} {n}" for f, n in worst.most_common(4)))
        if index:
            readers = Counter(f"{f}:{fn}" for t in followed for f, fn in t)
            print("  read by: " + ", ".join(f"{f} ({n})" for f, n in readers.most_common(40)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
