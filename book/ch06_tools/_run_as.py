"""Run a program written for PyTorch with ``torch`` served by PyTorch or by edutorch.

    python _run_as.py edutorch quickstart.py
    python _run_as.py torch quickstart.py

For ``edutorch``, every ``import torch`` / ``from torch.nn import ...`` inside the program gets
the edutorch module of the same name: the effect of writing ``import edutorch as torch`` at its
top, without editing the file. Each run is a fresh process, so the two never mix.
"""
import runpy
import sys

library, program = sys.argv[1:3]
if library == "edutorch":
    import edutorch
    import edutorch.nn
    import edutorch.nn.functional
    import edutorch.optim
    import edutorch.utils.data  # noqa: F401  (the submodules a tutorial imports by name)
    for name, module in list(sys.modules.items()):
        if name == "edutorch" or name.startswith("edutorch."):
            sys.modules["torch" + name[len("edutorch"):]] = module
elif library != "torch":
    raise SystemExit(f"_run_as.py: library must be 'edutorch' or 'torch', got {library!r}")
runpy.run_path(program, run_name="__main__")
