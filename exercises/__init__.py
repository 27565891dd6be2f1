"""Your exercises: one module per chapter (``chNN_topic.py``).

Each function here is a stub that raises ``NotImplementedError``; its docstring states the
task, the shapes and the maths. Replace the ``raise`` with your code, then grade your work:

    python -m edutorch.grade ch02          # one chapter
    python -m edutorch.grade               # every chapter

The graders (``tests/grading/``) compare your answers with edutorch itself and with numerical
gradients, on random inputs of several shapes. The reference answers are in ``solutions/``:
try first.
"""
