"""The book meets the library in order: a chapter's notebooks use only the edutorch modules
that the chapter or an earlier one introduced (DESIGN.md, "Chapters, and the library modules
each one brings in").

Each notebook under ``book/chNN_*/`` is read as JSON; its code cells are parsed with ``ast``
(IPython ``%magic`` and ``!shell`` lines dropped) and every use of edutorch is resolved to a
dotted name:

- ``import edutorch.nn`` and ``from edutorch.optim import SGD`` name a module directly;
- ``from edutorch import nn, save`` names ``edutorch.nn`` and ``edutorch.save``;
- through any name bound to edutorch (``import edutorch as torch``, ``import edutorch.nn as
  nn``, ``from edutorch import nn``) an attribute chain such as ``torch.utils.data.DataLoader``
  or ``torch.save`` names ``edutorch.utils.data.DataLoader`` or ``edutorch.save``.

The longest prefix of that name in ``INTRODUCED`` gives the chapter that introduces it.
"""
from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest

BOOK = pathlib.Path(__file__).resolve().parents[2] / "book"

# The chapter introducing each module (or top-level function), from DESIGN.md's table.
INTRODUCED = {
    "edutorch": 1, "edutorch.backend": 1,
    "edutorch.tensor": 2, "edutorch.autograd": 2,
    "edutorch.nn": 3, "edutorch.nn.functional": 3, "edutorch.optim": 3,
    "edutorch.utils": 4, "edutorch.utils.data": 4, "edutorch.serialization": 4,
    "edutorch.save": 4, "edutorch.load": 4,
    "edutorch.datasets": 5, "edutorch.audio": 5, "edutorch.functional": 5,
    "edutorch.stft": 5, "edutorch.istft": 5, "edutorch.hann_window": 5,
    "edutorch.hamming_window": 5,
    "edutorch.profiler": 6, "edutorch.viz": 6, "edutorch.utils.tensorboard": 6,
    "edutorch.autograd.detect_anomaly": 6, "edutorch.autograd.set_detect_anomaly": 6,
    "edutorch.jit": 7, "edutorch.interpret": 7, "edutorch.privacy": 7, "edutorch.amp": 7,
    "edutorch.autocast": 7,
    "edutorch.nn.parallel": 8, "edutorch.nn.DataParallel": 8, "edutorch.distributed": 8,
    "edutorch.quantization": 8, "edutorch.utils.data.DistributedSampler": 8,
}

# Top-level *functions* that share a module's name: ``torch.tensor(...)`` and ``from edutorch
# import tensor`` are the function (chapter 1); only ``import edutorch.tensor`` is the module.
TOP_LEVEL_FUNCTIONS = {"edutorch.tensor"}

CHAPTER_DIR = re.compile(r"^ch(\d\d)_")


def introduced_in(name: str, *, as_module: bool) -> int:
    """The chapter that introduces dotted ``name``: that of its longest listed prefix."""
    if not as_module and name in TOP_LEVEL_FUNCTIONS:
        return INTRODUCED["edutorch"]
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in INTRODUCED:
            return INTRODUCED[prefix]
    raise ValueError(f"{name} is not an edutorch name")


def code_cells(notebook: dict) -> list[str]:
    cells = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if source.lstrip().startswith("%%"):  # a cell magic: the rest is not Python
            continue
        # line magics and shell escapes are IPython, not Python
        lines = ["pass" if re.match(r"^\s*[%!]", line) else line
                 for line in source.splitlines()]
        cells.append("\n".join(lines))
    return cells


def _dotted(node: ast.AST) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None unless the chain starts at a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _is_edutorch(module: str | None) -> bool:
    return module is not None and (module == "edutorch" or module.startswith("edutorch."))


def _import_uses(node: ast.AST, cell: int, uses: list, aliases: dict[str, str]) -> None:
    """Add what an import statement takes from edutorch to ``uses`` (the modules, and the
    names of ``from edutorch... import name``) and the local names it binds to ``aliases``."""
    if isinstance(node, ast.Import):
        for a in node.names:
            if _is_edutorch(a.name):
                uses.append((a.name, cell, True))
                if a.asname:
                    aliases[a.asname] = a.name
                else:  # ``import edutorch.nn`` binds ``edutorch``
                    aliases["edutorch"] = "edutorch"
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and _is_edutorch(node.module):
        uses.append((node.module, cell, True))
        for a in node.names:
            if a.name == "*":
                continue
            full = f"{node.module}.{a.name}"
            uses.append((full, cell, False))
            aliases[a.asname or a.name] = full


def edutorch_uses(cells: list[str]) -> list[tuple[str, int, bool]]:
    """Every edutorch name a notebook uses: (dotted name, cell index, named as a module)."""
    trees = []
    for i, source in enumerate(cells):
        try:
            trees.append((i, ast.parse(source)))
        except SyntaxError as e:
            raise AssertionError(f"code cell {i} does not parse: {e}") from None

    uses: list[tuple[str, int, bool]] = []
    aliases: dict[str, str] = {}  # local name -> the edutorch name it is bound to
    for i, tree in trees:
        for node in ast.walk(tree):
            _import_uses(node, i, uses, aliases)
    for i, tree in trees:
        # only whole chains: ``torch.nn.Linear``, not also its inner ``torch.nn``
        inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and id(node) not in inner:
                chain = _dotted(node)
                if chain and chain[0] in aliases:
                    uses.append((".".join([aliases[chain[0]], *chain[1:]]), i, False))
    return uses


def violations(notebook: dict, chapter: int) -> list[str]:
    """Messages for each edutorch name used before the chapter that introduces it."""
    found = []
    for name, cell, as_module in edutorch_uses(code_cells(notebook)):
        needs = introduced_in(name, as_module=as_module)
        if needs > chapter:
            found.append(f"code cell {cell}: {name} is introduced in chapter {needs}, "
                         f"used in chapter {chapter}")
    return sorted(set(found))


def chapter_notebooks() -> list[tuple[pathlib.Path, int]]:
    found = []
    for path in sorted(BOOK.rglob("*.ipynb")):
        rel = path.relative_to(BOOK)
        if rel.parts[0].startswith("_") or ".ipynb_checkpoints" in rel.parts:
            continue  # the built book, editor backups
        m = CHAPTER_DIR.match(rel.parts[0])
        if m and len(rel.parts) > 1:
            found.append((path, int(m.group(1))))
    return found


NOTEBOOKS = chapter_notebooks()


@pytest.mark.parametrize("path, chapter", NOTEBOOKS,
                         ids=[str(p.relative_to(BOOK)) for p, _ in NOTEBOOKS])
def test_notebook_imports_only_what_its_chapter_has_introduced(path, chapter):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    bad = violations(notebook, chapter)
    assert not bad, f"{path.relative_to(BOOK)}:\n  " + "\n  ".join(bad)


def test_every_chapter_folder_is_checked():
    folders = {p.name for p in BOOK.iterdir() if p.is_dir() and CHAPTER_DIR.match(p.name)}
    checked = {p.relative_to(BOOK).parts[0] for p, _ in NOTEBOOKS}
    with_notebooks = {f for f in folders if any((BOOK / f).rglob("*.ipynb"))}
    assert with_notebooks <= checked


def _notebook(*cells: str) -> dict:
    return {"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
                       "execution_count": None} for c in cells]
            + [{"cell_type": "markdown", "source": "import edutorch.jit  (prose, not code)"}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.mark.parametrize("chapter, cells, expected", [
    # chapter 1: top level and backend only
    (1, ["import edutorch as torch\nx = torch.tensor([1.0])\ntorch.cuda.is_available()",
         "from edutorch import backend\n%matplotlib inline\n!ls"], []),
    (1, ["import edutorch as torch", "layer = torch.nn.Linear(2, 3)"],
     ["edutorch.nn.Linear is introduced in chapter 3"]),
    (1, ["import edutorch as torch", "g = torch.autograd.grad"],
     ["edutorch.autograd.grad is introduced in chapter 2"]),
    (1, ["import edutorch.tensor"], ["edutorch.tensor is introduced in chapter 2"]),
    (1, ["import torch\nlayer = torch.nn.Linear(2, 3)"], []),  # real PyTorch: not checked
    # chapter 2: tensor and autograd, not nn
    (2, ["from edutorch import nn"], ["edutorch.nn is introduced in chapter 3"]),
    (2, ["import edutorch.nn.functional as F"],
     ["edutorch.nn.functional is introduced in chapter 3"]),
    (2, ["from edutorch.autograd import Function\nimport edutorch as torch\n"
         "torch.autograd.grad"], []),
    # chapter 3: nn, functional, optim; not data loading or saving
    (3, ["import edutorch as torch\nopt = torch.optim.SGD([], lr=0.1)\n"
         "from edutorch.nn import functional as F"], []),
    (3, ["import edutorch as torch", "torch.save({}, 'x.pt')"],
     ["edutorch.save is introduced in chapter 4"]),
    (3, ["from edutorch.utils.data import DataLoader"],
     ["edutorch.utils.data is introduced in chapter 4"]),
    (3, ["import edutorch as t\nfor b in t.utils.data.DataLoader([]): pass"],
     ["edutorch.utils.data.DataLoader is introduced in chapter 4"]),
    (3, ["from edutorch import load"], ["edutorch.load is introduced in chapter 4"]),
    # chapter 4: saving and data; not the later chapters' modules
    (4, ["import edutorch as torch\ntorch.save({}, 'x.pt')\ntorch.load('x.pt')\n"
         "from edutorch.utils.data import TensorDataset"], []),
    (4, ["import edutorch.nn as nn\nnn.parallel.DataParallel"],
     ["edutorch.nn.parallel.DataParallel is introduced in chapter 8"]),
    (4, ["%%time\nimport edutorch.jit"], []),  # a cell magic's body is not Python here
    (6, ["from edutorch import profiler, viz\nimport edutorch.jit"],
     ["edutorch.jit is introduced in chapter 7"]),
])
def test_checker_on_synthetic_notebooks(chapter, cells, expected):
    found = violations(_notebook(*cells), chapter)
    if not expected:
        assert not found, found
    for want in expected:
        assert any(want in message for message in found), (want, found)


def test_checker_rejects_unparseable_cells():
    with pytest.raises(AssertionError, match="does not parse"):
        violations(_notebook("def broken(:"), 1)
