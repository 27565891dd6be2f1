"""Every page of the book ends as a lesson should (STYLE.md, "A page of the book"): a
**Summary**, two to four **Questions**, and an **Exercises** box naming the exercise functions
that practise it and the command that grades them; and every exercise function
(a public function of ``exercises/chNN_*.py``) is named on a page of its chapter, so no
exercise asks for something the book never points to.

Read from the notebooks' JSON; nothing is executed.
"""
from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"


def toc_pages() -> list[pathlib.Path]:
    """The notebooks listed in ``book/_toc.yml``: the published pages (a draft joins the rule
    when it joins the table of contents)."""
    files = re.findall(r"^\s*-?\s*file:\s*(\S+)", (BOOK / "_toc.yml").read_text(encoding="utf-8"),
                       flags=re.M)
    return sorted(BOOK / f"{f}.ipynb" for f in files if (BOOK / f"{f}.ipynb").is_file())


NOTEBOOKS = toc_pages()
EXERCISE_FILES = sorted((ROOT / "exercises").glob("ch*_*.py"))


def markdown(notebook: pathlib.Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def chapter_of(path: pathlib.Path) -> str:
    return re.match(r"(ch\d\d)_", path.name if path.suffix == ".py" else path.parent.name)[1]


def public_functions(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
            and not n.name.startswith("_")]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_page_ends_with_summary_questions_and_exercises(notebook):
    text = "\n".join(markdown(notebook))
    where = notebook.relative_to(BOOK)
    tail = text[text.rfind("## Summary"):] if "## Summary" in text else ""
    assert tail, f"{where}: no '## Summary' section"
    assert "## Questions" in tail, f"{where}: no '## Questions' section after the summary"
    questions = tail[tail.find("## Questions"):]
    questions = questions[:questions.find("Exercises")]
    count = len(re.findall(r"^\s*\d+\.\s", questions, flags=re.M))
    assert 2 <= count <= 4, f"{where}: {count} numbered questions, expected 2 to 4"
    box = tail[tail.find("Exercises"):]
    chapter = chapter_of(notebook)
    assert f"python -m edutorch.grade {chapter}" in box, \
        f"{where}: the Exercises box does not give `python -m edutorch.grade {chapter}`"


@pytest.mark.parametrize("exercise_file", EXERCISE_FILES, ids=lambda p: p.stem)
def test_every_exercise_is_named_on_a_page_of_its_chapter(exercise_file):
    chapter = chapter_of(exercise_file)
    pages = [nb for nb in NOTEBOOKS if chapter_of(nb) == chapter]
    if not pages:  # exercises written before the chapter's pages are in the table of contents
        pytest.skip(f"chapter {chapter} has no pages in book/_toc.yml yet")
    text = "\n".join(t for nb in pages for t in markdown(nb))
    missing = [name for name in public_functions(exercise_file)
               if not re.search(rf"`{name}`", text)]
    assert not missing, (f"exercises/{exercise_file.name}: {', '.join(missing)} named on no "
                         f"page of {chapter} (write `{missing[0]}` in an Exercises box)")
