"""Every piece of library source a page renders (``show_source("edutorch....")``) still exists.

The book shows edutorch's code by dotted name, read from the file when the page runs
(``book/_source.py``). This test finds those names in every notebook's code cells, without
running the notebooks, and checks that each resolves to an object whose source can be read:
a rename in the library fails here, with the page and the name, instead of in a reader's
browser.
"""
from __future__ import annotations

import ast
import inspect
import json
import pathlib
import sys
import textwrap

import pytest

BOOK = pathlib.Path(__file__).resolve().parents[2] / "book"
sys.path.insert(0, str(BOOK))

from _source import resolve, show_source  # noqa: E402


def rendered_names(notebook: pathlib.Path) -> list[str]:
    """The first arguments of ``show_source(...)`` calls in the notebook's code cells."""
    names = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        source = "\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_source":
                arg = node.args[0] if node.args else None
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
                    f"{notebook.relative_to(BOOK)}: show_source must be called with a dotted "
                    f"name (a string literal), so that this test can check it")
                names.append(arg.value)
    return names


NOTEBOOKS = sorted(BOOK.glob("ch*/*.ipynb"))
CASES = [(nb, name) for nb in NOTEBOOKS for name in rendered_names(nb)]


@pytest.mark.parametrize("notebook, name", CASES,
                         ids=[f"{nb.parent.name}/{nb.stem}:{name}" for nb, name in CASES])
def test_rendered_object_exists(notebook, name):
    obj = resolve(name)
    assert name.startswith("edutorch."), f"{notebook.name} renders {name}, not an edutorch name"
    text = show_source(name).text
    assert text.strip(), f"{notebook.name}: the source of {name} is empty"
    assert textwrap.dedent(inspect.getsource(inspect.unwrap(obj))) == text


def test_the_book_renders_library_source():
    pages = {nb.parent.name for nb, _ in CASES}
    # chapters 2-4 introduce library pieces (DESIGN.md): each shows some of their code
    for chapter in ("ch02_core_concepts", "ch03_algorithms", "ch04_best_practice"):
        assert chapter in pages, f"no page of {chapter} renders library source"


def test_a_missing_name_is_an_error():
    with pytest.raises(LookupError, match="no attribute 'NoSuchThing'"):
        resolve("edutorch.nn.NoSuchThing")
