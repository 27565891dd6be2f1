"""Repository-wide pytest setup: the ``--impl`` option that picks what the graders grade.

It lives at the repository root so that ``pytest --impl solutions`` works from here for every
test path (pytest only takes options from conftest files above the paths it is given).

``--impl exercises`` (the default) grades the reader's ``exercises/`` package, ``--impl
solutions`` the reference answers in ``solutions/``, and ``--impl bugzoo:NAME`` one planted-bug
variant from ``tests/grading/bugzoo/NAME.py`` (used by the test that proves the graders
discriminate). The option may be given more than once; each grader then runs once per
implementation.
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))

# ``exercises`` and ``solutions`` are plain folders at the root, not installed packages.
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def pytest_addoption(parser):
    parser.addoption(
        "--impl", action="append", default=None, metavar="{exercises,solutions,bugzoo:NAME}",
        help="which implementation of the exercises the graders in tests/grading grade: "
             "'exercises' (default: the reader's work), 'solutions' (the reference answers) "
             "or 'bugzoo:NAME' (a planted bug); may be repeated")
