"""Show the library's own source in a page, read from the file when the page runs.

    from _helpers import show_source          # each chapter's _helpers re-exports it
    show_source("edutorch.nn.Module.__setattr__")
    show_source("edutorch.optim.SGD.step", lines=(1, 20))

The page never holds a pasted copy that could drift from the code: the cell looks the object
up by its dotted name and renders ``inspect.getsource`` of it, highlighted, so the built book
shows the library as it is on the day it was built. ``tests/book/test_rendered_sources.py``
checks that every name a page renders still exists, so a rename breaks the build, not the
reader.

Cells that call ``show_source`` are tagged ``nbval-ignore-output``: a new comment in the
library then needs no re-execution of the book, while a renamed object still fails (the
lookup raises).
"""
from __future__ import annotations

import html
import importlib
import inspect
import os
import textwrap
from typing import Any

try:  # the book extra installs Pygments (Sphinx needs it); plain text without it
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
except ImportError:  # pragma: no cover
    highlight = None


def resolve(dotted: str) -> Any:
    """The object named by ``dotted`` ("package.module.Class.method"): the longest importable
    module prefix, then attributes. Raises ``LookupError`` naming the part that is missing."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:n]))
        except ImportError:
            continue
        for i, attr in enumerate(parts[n:], start=n):
            try:
                obj = inspect.getattr_static(obj, attr)
            except AttributeError:
                raise LookupError(f"show_source({dotted!r}): {'.'.join(parts[:i])} has no "
                                  f"attribute {attr!r}") from None
            if isinstance(obj, (staticmethod, classmethod)):
                obj = obj.__func__
            elif isinstance(obj, property):
                obj = obj.fget
        return obj
    raise LookupError(f"show_source({dotted!r}): no module {parts[0]!r} to import")


def source_of(obj_or_name: Any) -> tuple[str, str, int]:
    """(source text, file path relative to the repository, first line number)."""
    obj = resolve(obj_or_name) if isinstance(obj_or_name, str) else obj_or_name
    obj = inspect.unwrap(obj)
    lines, first = inspect.getsourcelines(obj)
    path = inspect.getsourcefile(obj) or "?"
    package = importlib.import_module(obj.__module__.split(".")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    if path.startswith(root + os.sep):  # "edutorch/nn/modules/module.py"
        path = os.path.relpath(path, root)
    # dedented: a method reads as a function, at the left margin
    return textwrap.dedent("".join(lines)), path.replace(os.sep, "/"), max(first, 1)


class Source:
    """A block of library source: HTML (highlighted) in the book, plain text elsewhere."""

    def __init__(self, name: str, text: str, path: str, first: int):
        self.name, self.text, self.path, self.first = name, text, path, first

    @property
    def caption(self) -> str:
        last = self.first + self.text.count("\n") - 1
        return f"{self.name}  ({self.path}, lines {self.first}-{last})"

    def __repr__(self) -> str:
        return f"# {self.caption}\n{self.text.rstrip()}"

    def _repr_html_(self) -> str:
        title = f"<div style='font-size:0.85em;color:#555;margin-bottom:2px'>" \
                f"<code>{html.escape(self.caption)}</code></div>"
        if highlight is None:
            body = f"<pre>{html.escape(self.text)}</pre>"
        else:
            formatter = HtmlFormatter(noclasses=True, linenos="inline",
                                      linenostart=self.first, style="friendly",
                                      cssstyles="padding:0.5em;overflow-x:auto;"
                                                "font-size:0.85em;line-height:1.35")
            body = highlight(self.text, PythonLexer(), formatter)
            # long lines wrap instead of running off the narrow page column
            body = body.replace('<pre style="', '<pre style="white-space:pre-wrap;', 1)
        return f"<div class='edutorch-source'>{title}{body}</div>"


def show_source(obj_or_name: Any, lines: tuple[int, int] | None = None) -> Source:
    """The source of a library object, to display as a cell's result.

    ``obj_or_name`` is a dotted name (preferred: it follows the code) or the object itself;
    ``lines=(a, b)`` keeps lines a..b of it (1-based, inclusive, counted within the object).
    """
    name = obj_or_name if isinstance(obj_or_name, str) else \
        f"{getattr(obj_or_name, '__module__', '?')}.{obj_or_name.__qualname__}"
    text, path, first = source_of(obj_or_name)
    if lines is not None:
        a, b = lines
        all_lines = text.splitlines(keepends=True)
        if not 1 <= a <= b <= len(all_lines):
            raise ValueError(f"show_source({name!r}, lines={lines}): the source has "
                             f"{len(all_lines)} lines")
        text, first = "".join(all_lines[a - 1:b]), first + a - 1
    return Source(name, text, path, first)
