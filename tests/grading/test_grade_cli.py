"""``python -m edutorch.grade``: finds the graders, picks chapters, scores, exits 0 only when all
pass. (Grades nothing itself: it runs once whatever ``--impl`` is.)"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from edutorch import grade

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "edutorch.grade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_find_root_walks_up_from_a_subfolder():
    assert grade.find_root(grade.Path(HERE) / "bugzoo") == grade.Path(ROOT)


def test_find_root_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(grade, "__file__", str(tmp_path / "pkg" / "edutorch" / "grade.py"))
    with pytest.raises(grade.GradingError, match="cannot find tests/grading"):
        grade.find_root(tmp_path)


def test_select_chapters_by_number_or_name():
    available = grade.chapter_files(grade.Path(ROOT))
    assert list(available)[:4] == ["ch01_setup", "ch02_autograd", "ch03_algorithms",
                                   "ch04_training"]
    for word in ("ch02", "2", "02", "ch02_autograd"):
        assert list(grade.select_chapters(available, [word])) == ["ch02_autograd"]
    assert list(grade.select_chapters(available, [])) == list(available)
    with pytest.raises(grade.GradingError, match="no graders for chapter 'ch99'"):
        grade.select_chapters(available, ["ch99"])


def test_solutions_score_full_marks_and_exit_0():
    proc = run_cli("ch01", "--impl", "solutions")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    m = re.search(r"score: (\d+) of (\d+)", proc.stdout)
    assert m and m.group(1) == m.group(2) and int(m.group(2)) >= 4, proc.stdout


def test_stubs_score_zero_and_exit_1_from_another_folder(tmp_path):
    # from outside the repository the graders are found next to the package
    proc = run_cli("1", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"score: 0 of [1-9]", proc.stdout), proc.stdout
    assert "not done" in proc.stdout


def test_a_planted_bug_is_reported_with_a_hint():
    proc = run_cli("ch02", "--impl", "bugzoo:ch02_mul_no_sum_to_shape")
    assert proc.returncode == 1
    row = re.search(r"mul_backward\s+FAIL\s+\d+/\d+\n\s+hint: (.+)", proc.stdout)
    assert row and "shape" in row.group(1), proc.stdout
    assert re.search(r"sum_to_shape\s+pass", proc.stdout)
