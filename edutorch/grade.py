"""``python -m edutorch.grade [chNN ...]``: grade the book's exercises and print a score table.

The graders live in the repository's ``tests/grading/`` (one ``test_chNN_topic.py`` per
chapter); this runs them with pytest on ``exercises/`` (your work, the default) or, with
``--impl solutions``, on the reference answers, and prints, per chapter and exercise, whether
it passes, how many of its checks pass, and the first failing check's message as a hint.
``-v`` shows pytest's own report (full tracebacks) as well.

Exit status: 0 when every exercise graded passes, 1 otherwise, 2 when grading could not run.
The console script ``edutorch-grade`` is the same command.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

GRADING = Path("tests") / "grading"
CHAPTER_FILE = re.compile(r"^test_(ch(\d\d)_\w+)\.py$")


class GradingError(Exception):
    """Grading cannot run (no graders found, unknown chapter, pytest missing)."""


def find_root(start: Path | None = None) -> Path:
    """The repository root: the first directory holding ``tests/grading``, walking up from
    ``start`` (the working directory), else the checkout this package was imported from."""
    starts = [Path(start or os.getcwd()).resolve(), Path(__file__).resolve().parent.parent]
    for begin in starts:
        for directory in (begin, *begin.parents):
            if (directory / GRADING).is_dir():
                return directory
    raise GradingError(
        f"cannot find {GRADING}/ in {starts[0]} or any folder above it, nor next to the "
        f"edutorch package ({starts[1]}). Run this from the edutorch repository (the folder "
        f"with exercises/, solutions/ and tests/), where the graders are.")


def chapter_files(root: Path) -> dict[str, Path]:
    """``{"ch02_autograd": Path(".../test_ch02_autograd.py"), ...}`` in chapter order."""
    found = {}
    for path in sorted((root / GRADING).iterdir()):
        m = CHAPTER_FILE.match(path.name)
        if m:
            found[m.group(1)] = path
    return found


def select_chapters(available: dict[str, Path], wanted: Sequence[str]) -> dict[str, Path]:
    """Chapters named ``ch02``, ``2``, ``02`` or ``ch02_autograd``; all when none are named."""
    if not wanted:
        return dict(available)
    chosen = {}
    for word in wanted:
        m = re.fullmatch(r"(?:ch)?(\d{1,2})(?:_\w+)?", word.strip().lower())
        hits = [name for name in available
                if m and int(name[2:4]) == int(m.group(1))
                and (word.lower() == name or "_" not in word)]
        if not hits:
            raise GradingError(f"no graders for chapter {word!r}; there are: "
                               f"{', '.join(available) or 'none'}")
        for name in hits:
            chosen[name] = available[name]
    return dict(sorted(chosen.items()))


@dataclass
class TestResult:
    nodeid: str
    chapter: str
    exercises: tuple[str, ...]
    outcome: str = "passed"  # passed, failed or skipped
    message: str = ""


@dataclass(eq=False)  # pytest keeps plugins in sets: hashed by identity
class Collector:
    """A pytest plugin object: records each grader's exercises and its outcome."""
    results: dict[str, TestResult] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def pytest_collection_modifyitems(self, session, config, items):
        for item in items:
            mark = item.get_closest_marker("grades")
            m = CHAPTER_FILE.match(Path(str(item.fspath)).name)
            self.results[item.nodeid] = TestResult(
                item.nodeid, m.group(1) if m else "?",
                tuple(mark.args) if mark else ("(unmarked)",))

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(f"{report.nodeid}: {_first_line(report)}")

    def pytest_runtest_logreport(self, report):
        result = self.results.get(report.nodeid)
        if result is None or result.outcome == "failed":
            return
        if report.failed:
            result.outcome, result.message = "failed", _first_line(report)
        elif report.skipped and result.outcome == "passed":
            result.outcome, result.message = "skipped", _first_line(report)


def _first_line(report) -> str:
    """The failure's one-line message (``AssertionError: ...`` without the traceback)."""
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and crash.message:
        text = crash.message
    elif isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (file, line, reason)
        text = str(longrepr[2])
    else:
        text = str(longrepr or "")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[0]
    if line.startswith('File "') and len(lines) > 1:  # a SyntaxError: the error, then where
        line = f"{lines[-1]} ({line})"
    if line.startswith("AssertionError: "):
        line = line[len("AssertionError: "):]
    if line.startswith("assert ") and len(lines) > 1:  # pytest's rewritten assert: keep both
        line = f"{line} ({lines[1]})"
    return line


def run_graders(root: Path, files: Sequence[Path], impl: str, verbose: bool = False
                ) -> Collector:
    """Run pytest on ``files`` with ``--impl impl``; the collector holds the results."""
    try:
        import pytest
    except ImportError:
        raise GradingError("grading needs pytest: pip install pytest (or the test extra: "
                           "pip install -e \".[test]\")") from None
    args = [*map(str, files), f"--impl={impl}", "--rootdir", str(root),
            "-o", "addopts=",          # the repo's defaults (nbval) are for the full test run
            "-p", "no:cacheprovider",
            # plugins the graders never use; hypothesis alone takes seconds to import
            "-p", "no:hypothesispytest", "-p", "no:nbval"]
    # pytest's own report only with -v (the terminal plugin also owns -q and --tb)
    args += ["--tb=short"] if verbose else ["-p", "no:terminal"]
    collector = Collector()
    code = pytest.main(args, plugins=[collector])
    if not collector.results and int(code) in (2, 3, 4):  # interrupted, internal, usage error
        raise GradingError(f"pytest could not run the graders (exit code {int(code)}); "
                           f"add -v to see its report")
    return collector


@dataclass
class ExerciseScore:
    chapter: str
    exercise: str
    passed: int = 0
    total: int = 0
    hint: str = ""
    not_started: bool = False

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    @property
    def result(self) -> str:
        if self.ok:
            return "pass"
        if self.total == 0:
            return "skipped"
        return "not done" if self.not_started else "FAIL"


def score(collector: Collector) -> list[ExerciseScore]:
    """Group the graders' results by (chapter, exercise), in the order they were collected."""
    table: dict[tuple[str, str], ExerciseScore] = {}
    for result in collector.results.values():
        for exercise in result.exercises:
            row = table.setdefault((result.chapter, exercise),
                                   ExerciseScore(result.chapter, exercise))
            if result.outcome == "skipped":
                continue
            row.total += 1
            if result.outcome == "passed":
                row.passed += 1
            elif not row.hint:
                row.hint = result.message
                row.not_started = result.message.startswith("NotImplementedError")
    return list(table.values())


def format_table(rows: list[ExerciseScore], impl: str, width: int = 100) -> str:
    chapter_w = max([len("chapter")] + [len(r.chapter) for r in rows])
    exercise_w = max([len("exercise")] + [len(r.exercise) for r in rows])
    head = f"{'chapter':<{chapter_w}}  {'exercise':<{exercise_w}}  {'result':<8}  checks"
    what = {"exercises": "exercises/ (your work)",
            "solutions": "solutions/ (the reference answers)"}.get(impl, impl)
    lines = [f"Grading {what} with the graders in tests/grading/", "", head, "-" * len(head)]
    indent = " " * (chapter_w + 4)
    for chapter in dict.fromkeys(r.chapter for r in rows):
        mine = [r for r in rows if r.chapter == chapter]
        for r in mine:
            lines.append(f"{r.chapter:<{chapter_w}}  {r.exercise:<{exercise_w}}  "
                         f"{r.result:<8}  {r.passed}/{r.total}")
            if not r.ok and r.hint and not r.not_started:
                lines += textwrap.wrap(r.hint, width, initial_indent=indent + "hint: ",
                                       subsequent_indent=indent + "      ", max_lines=4)
        done = sum(r.ok for r in mine)
        lines.append(f"{chapter:<{chapter_w}}  {done} of {len(mine)} exercises pass")
        lines.append("")
    if any(r.not_started for r in rows):
        lines.append("not done: the function still raises NotImplementedError; write it in "
                     f"{impl}/chNN_*.py" if impl in ("exercises", "solutions") else
                     "not done: the function still raises NotImplementedError")
    total = sum(r.ok for r in rows)
    lines.append(f"score: {total} of {len(rows)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m edutorch.grade",
        description="Grade the book's exercises (exercises/chNN_*.py) and print a score table.")
    parser.add_argument("chapters", nargs="*", metavar="chNN",
                        help="chapters to grade, e.g. ch02 (default: all)")
    parser.add_argument("--impl", default="exercises",
                        help="what to grade: exercises (your work, default) or solutions (the "
                             "reference answers)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show pytest's report, with full tracebacks")
    args = parser.parse_args(argv)
    if args.impl not in ("exercises", "solutions") and not args.impl.startswith("bugzoo:"):
        parser.error(f"--impl must be exercises or solutions, not {args.impl!r}")
    try:
        root = find_root()
        files = select_chapters(chapter_files(root), args.chapters)
        if not files:
            raise GradingError(f"no grader files (test_chNN_*.py) in {root / GRADING}")
        collector = run_graders(root, list(files.values()), args.impl, args.verbose)
    except GradingError as e:
        print(f"edutorch.grade: {e}", file=sys.stderr)
        return 2
    for error in collector.errors:
        print(f"edutorch.grade: could not load graders: {error}", file=sys.stderr)
    rows = score(collector)
    if not rows:
        print("edutorch.grade: no graders ran", file=sys.stderr)
        return 2
    print(format_table(rows, args.impl))
    return 0 if all(r.ok for r in rows) and not collector.errors else 1


if __name__ == "__main__":
    sys.exit(main())
