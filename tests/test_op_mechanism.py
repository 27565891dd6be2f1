"""The op mechanism's promises (CONTRIBUTING.md, "How an op works"), each as a test:

- the top-level namespace is PyTorch's, plus a short list of edutorch's own modules (``EXTRAS``
  below, one reason each); internals such as ``AddBackward0`` are not importable from it;
- every op call passes one dispatch point: a ``TorchFunctionMode`` records the ops of a LeNet-5
  training step (forward, loss, backward nodes, optimizer update) in order, and sees nothing,
  and changes nothing, when it is not active;
- a built-in op is one ``autograd.Function`` class, the same kind of object as a reader's own;
- only ``edutorch/backend/`` imports NumPy or CuPy;
- anomaly mode names the backward node that made a NaN and the forward line that created it.

Without PyTorch the namespace is compared with a stored snapshot of PyTorch's names,
``tests/torch_names.json``, written by ``python tests/test_op_mechanism.py --snapshot``.
"""
from __future__ import annotations

import ast
import collections
import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys

import numpy as np
import pytest

import edutorch
import edutorch.nn as nn
import edutorch.nn.functional as F
from edutorch._ops import registry
from edutorch.autograd import Function
from edutorch.autograd.function import dispatch_state
from edutorch.overrides import TorchFunctionMode

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(os.path.abspath(edutorch.__file__))
SNAPSHOT = os.path.join(HERE, "torch_names.json")

# Public names of ``edutorch`` that PyTorch's top level does not have, and why each is there.
# A name may only be added here with a reason; everything else must be PyTorch's.
EXTRAS = {
    "backend": "the array layer (NumPy on the CPU, CuPy on the GPU) that every op computes on; "
               "PyTorch's counterpart is its C++ core, not a Python module",
    "audio": "torchaudio's features for chapter 5 (PyTorch ships them as a separate package)",
    "datasets": "small offline data sets for chapter 5 (the book never downloads)",
    "grade": "the exercise grader, `python -m edutorch.grade chNN`",
    "interpret": "Captum's attribution methods for chapter 7 (a separate package for PyTorch)",
    "privacy": "Opacus's differential privacy for chapter 7 (a separate package for PyTorch)",
    "viz": "torchviz-style graph drawing for chapter 6 (a separate package for PyTorch)",
}
# Public Tensor attributes PyTorch's Tensor does not have, and why.
TENSOR_EXTRAS: dict = {}
# Internals that must not leak into the top-level namespace (issue 8).
INTERNALS = ["AddBackward0", "ExpBackward0", "NUMBER_EDGE", "Node", "BackwardFunction", "cast",
             "wrap", "state", "attach", "rmatmul", "to", "prepare_binary", "xp_of"]


def torch_names() -> tuple[set, set, str]:
    """PyTorch's public top-level names (its submodules included) and Tensor attributes: from
    the installed torch, else from the snapshot."""
    try:
        import torch
    except ImportError:
        with open(SNAPSHOT) as f:
            snap = json.load(f)
        return set(snap["torch"]), set(snap["torch.Tensor"]), f"snapshot {snap['torch_version']}"
    names = {n for n in dir(torch) if not n.startswith("_")}
    names |= {m.name for m in pkgutil.iter_modules(torch.__path__) if not m.name.startswith("_")}
    tensor = {n for n in dir(torch.Tensor) if not n.startswith("_")}
    return names, tensor, f"torch {torch.__version__}"


def import_all_top_level_modules() -> None:
    """Load every ``edutorch.<module>`` so that modules loaded lazily show up in ``dir``."""
    for m in pkgutil.iter_modules(edutorch.__path__):
        if not m.name.startswith("_"):
            importlib.import_module(f"edutorch.{m.name}")


# ---------------------------------------------------------------------------------------------
# (a), (b) the namespace
# ---------------------------------------------------------------------------------------------

def test_every_public_name_is_pytorchs_or_a_documented_extra():
    import_all_top_level_modules()
    ours = {n for n in dir(edutorch) if not n.startswith("_")}
    theirs, _, source = torch_names()
    unexplained = sorted(ours - theirs - set(EXTRAS))
    assert not unexplained, (f"edutorch exports names that {source} does not have: "
                             f"{unexplained}. Make them private (a leading underscore), or, for "
                             f"a module of edutorch's own, add it to EXTRAS with its reason")


def test_documented_extras_are_real_and_not_pytorchs():
    import_all_top_level_modules()
    theirs, tensor, source = torch_names()
    for name, why in EXTRAS.items():
        assert why and hasattr(edutorch, name), f"EXTRAS lists {name!r}, which edutorch lacks"
        assert name not in theirs, f"{name!r} is PyTorch's ({source}): drop it from EXTRAS"
    for name in TENSOR_EXTRAS:
        assert hasattr(edutorch.Tensor, name) and name not in tensor, name


def test_tensor_attributes_are_pytorchs_or_documented():
    _, theirs, source = torch_names()
    ours = {n for n in dir(edutorch.Tensor) if not n.startswith("_")}
    unexplained = sorted(ours - theirs - set(TENSOR_EXTRAS))
    assert not unexplained, f"Tensor attributes that {source}'s Tensor lacks: {unexplained}"


@pytest.mark.parametrize("name", INTERNALS)
def test_internals_are_not_importable_from_edutorch(name):
    with pytest.raises(AttributeError, match=name):
        getattr(edutorch, name)
    assert name not in dir(edutorch)


def test_snapshot_matches_the_installed_torch(torch):
    with open(SNAPSHOT) as f:
        snap = json.load(f)
    if not torch.__version__.startswith(snap["torch_version"].split("+")[0]):
        pytest.skip(f"snapshot is of torch {snap['torch_version']}, installed {torch.__version__}")
    # names as a fresh process sees them: other tests' imports may add attributes to torch
    code = ("import json, sys; sys.path.insert(0, 'tests'); import test_op_mechanism as t; "
            "n, tn, _ = t.torch_names(); print(json.dumps([sorted(n), sorted(tn)]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    names, tensor = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(snap["torch"]) == set(names) and set(snap["torch.Tensor"]) == set(tensor), \
        f"regenerate with: {snap['command']}"


# ---------------------------------------------------------------------------------------------
# (c) one dispatch point: the ops of a LeNet-5 training step
# ---------------------------------------------------------------------------------------------

class RecordOps(TorchFunctionMode):
    """Records (phase, op name, is backward, Function class, grad mode) of every call."""

    def __init__(self):
        self.ops = []
        self.phase = "forward"

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.ops.append((self.phase, func.__name__, func.is_backward, func.function,
                         edutorch.is_grad_enabled()))
        return func(*args, **(kwargs or {}))

    def of(self, phase):
        return [op for op in self.ops if op[0] == phase]


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = edutorch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def lenet_and_data(seed=0):
    edutorch.manual_seed(seed)
    model = LeNet5()
    rng = np.random.default_rng(seed)
    x = edutorch.tensor(rng.standard_normal((4, 1, 28, 28)).astype(np.float32))
    y = edutorch.tensor(rng.integers(0, 10, 4))
    return model, edutorch.optim.SGD(model.parameters(), lr=0.1), x, y


def train_step(model, opt, x, y, recorder=None):
    def phase(name):
        if recorder is not None:
            recorder.phase = name
    opt.zero_grad()
    phase("forward")
    loss = F.cross_entropy(model(x), y)
    phase("backward")
    loss.backward()
    phase("step")
    opt.step()
    return loss


FORWARD = ["convolution", "relu", "max_pool", "convolution", "relu", "max_pool", "reshape",
           "linear", "relu", "linear", "relu", "linear", "cross_entropy"]


def test_a_mode_records_the_ops_of_a_lenet_training_step_in_order():
    model, opt, x, y = lenet_and_data()
    rec = RecordOps()
    with rec:
        train_step(model, opt, x, y, rec)
    forward, backward, step = rec.of("forward"), rec.of("backward"), rec.of("step")
    assert len(rec.ops) == len(forward) + len(backward) + len(step)

    # forward: the layers in program order, each op a Function, none a backward node
    assert [name for _, name, *_ in forward] == FORWARD
    assert all(not is_bw and issubclass(fn, Function) for _, _, is_bw, fn, _ in forward)

    # backward: one node per recorded forward op, in reverse order, named XBackward0, and
    # one AccumulateGrad per parameter (its gradient going into .grad)
    assert all(is_bw for _, _, is_bw, _, _ in backward)
    leaves = [r for r in backward if r[1] == "AccumulateGrad"]
    assert len(leaves) == len(list(model.parameters()))
    backward = [r for r in backward if r[1] != "AccumulateGrad"]
    assert [fn for *_, fn, _ in backward] == [fn for *_, fn, _ in reversed(forward)]
    names = [name for _, name, *_ in backward]
    assert names == [fn._backward_name for *_, fn, _ in reversed(forward)]
    assert names[-1] == "ConvolutionBackward0" and names[-4] == "ConvolutionBackward0"
    counts = collections.Counter(names)
    assert counts["ConvolutionBackward0"] == 2 and counts["ReluBackward0"] == 4
    assert counts["AddmmBackward0"] == 3 and counts["ViewBackward0"] == 1

    # SGD.step: one in-place update per parameter, with autograd off
    n_params = len(list(model.parameters()))
    assert [name for _, name, *_ in step] == ["add"] * n_params
    assert not any(grad_on for *_, grad_on in step)


def test_without_a_mode_nothing_is_recorded_and_the_step_is_the_same():
    hooked, opt_h, x, y = lenet_and_data(seed=3)
    plain, opt_p, _, _ = lenet_and_data(seed=3)
    rec = RecordOps()
    with rec:
        loss_h = train_step(hooked, opt_h, x, y, rec)
    assert dispatch_state.modes == ()
    recorded = len(rec.ops)
    assert recorded > 0
    loss_p = train_step(plain, opt_p, x, y)
    assert len(rec.ops) == recorded, "a mode that is not active saw ops"
    assert loss_h.item() == loss_p.item()
    for (name, a), b in zip(hooked.named_parameters(), plain.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy()), \
            f"{name} differs after a step watched by a mode"


def test_modes_nest_and_must_be_exited_in_order():
    outer, inner = RecordOps(), RecordOps()
    x = edutorch.ones(3)
    with outer:
        with inner:
            x.exp()
        x.neg()
    assert [op[1] for op in inner.ops] == ["exp"]
    assert [op[1] for op in outer.ops] == ["exp", "neg"]  # the inner mode passes exp outwards
    first, second = RecordOps(), RecordOps()
    first.__enter__()
    second.__enter__()
    try:
        with pytest.raises(RuntimeError, match="reverse order"):
            first.__exit__(None, None, None)
    finally:
        second.__exit__(None, None, None)
        first.__exit__(None, None, None)
    assert dispatch_state.modes == ()


# ---------------------------------------------------------------------------------------------
# (d) a built-in op is one Function class
# ---------------------------------------------------------------------------------------------

def test_exp_is_one_function_class_registered_once():
    from edutorch._ops.pointwise import Exp
    source = inspect.getsource(Exp)
    assert source.startswith('@op("exp"'), source.splitlines()[0]
    assert "class Exp(Function):" in source
    assert "def forward(ctx" in source and "def backward(ctx" in source
    assert Exp._op_name == "exp" and Exp._backward_name == "ExpBackward0"
    assert "exp" in registry.FUNCTIONS and "exp" in registry.METHODS and "exp" in registry.INPLACE
    # the function, the method and the in-place method all run Exp
    rec = RecordOps()
    x = edutorch.tensor([0.5, 1.0])
    with rec:
        registry.FUNCTIONS["exp"](x)
        edutorch.exp(x)
        x.exp()
        x.clone().exp_()
    assert [(name, fn) for _, name, _, fn, _ in rec.ops if name == "exp"] == [("exp", Exp)] * 4


def test_a_readers_function_and_exp_are_the_same_kind_of_object():
    from edutorch._ops.pointwise import Exp

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * x * grad

    assert issubclass(Cube, edutorch.autograd.Function)
    assert issubclass(Exp, edutorch.autograd.Function)
    x = edutorch.tensor([0.5, 2.0], requires_grad=True)
    a, b = Cube.apply(x), Exp.apply(x)
    assert type(a.grad_fn) is type(b.grad_fn)
    assert (a.grad_fn.name(), b.grad_fn.name()) == ("CubeBackward", "ExpBackward0")
    (a + b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.detach().numpy() ** 2 +
                               np.exp(x.detach().numpy()))


# ---------------------------------------------------------------------------------------------
# (e) only the backend imports NumPy or CuPy
# ---------------------------------------------------------------------------------------------

ARRAY_LIBRARIES = {"numpy", "cupy", "cupyx"}


def array_imports(path: str) -> list[str]:
    """``import numpy``, ``from cupy import ...``, ``importlib.import_module("numpy")`` lines."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mods = [node.module or ""] if node.level == 0 else []
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                    "import_module", "__import__"):
            mods = [str(node.args[0].value)]
        else:
            continue
        found += [f"{path}:{node.lineno}: {m}" for m in mods
                  if m.split(".")[0] in ARRAY_LIBRARIES]
    return found


def test_only_the_backend_imports_numpy_or_cupy():
    backend = os.path.join(PACKAGE, "backend")
    offenders = []
    for folder, _, files in os.walk(PACKAGE):
        if folder == backend or folder.startswith(backend + os.sep):
            continue
        offenders += [line for f in sorted(files) if f.endswith(".py")
                      for line in array_imports(os.path.join(folder, f))]
    assert not offenders, ("import the array module through edutorch.backend "
                           "(backend.xp_of(array)) instead:\n" + "\n".join(offenders))


def test_the_import_scan_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import numpy as np\nfrom cupy import cuda\nimport os\n"
                      "import importlib\nimportlib.import_module('cupyx.scipy')\n")
    assert [line.rsplit(": ", 1)[1] for line in array_imports(str(sample))] == \
        ["numpy", "cupy", "cupyx.scipy"]


# ---------------------------------------------------------------------------------------------
# (f) anomaly mode names the node and the forward line
# ---------------------------------------------------------------------------------------------

class PlantNaN(Function):
    """Doubles its input; its backward returns 0/0 = NaN, the bug anomaly mode must find."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        zero = grad - grad
        return zero / zero


def planted(lib, function):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = function.apply(x)  # PLANTED: the forward call anomaly mode must point at
    return x, (y * 3).sum()


PLANTED_LINE = planted.__code__.co_firstlineno + next(
    i for i, line in enumerate(inspect.getsource(planted).splitlines()) if "PLANTED" in line)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the 0/0
def test_anomaly_mode_names_the_custom_functions_node_and_this_files_line():
    with edutorch.autograd.detect_anomaly():
        x, loss = planted(edutorch, PlantNaN)
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    message = str(info.value)
    assert message.startswith("Function 'PlantNaNBackward' returned nan values in its 0th "
                              "output."), message
    assert f'File "{os.path.abspath(__file__)}", line {PLANTED_LINE}' in message, message
    assert "function.apply(x)" in message
    assert x.grad is None
    # outside anomaly mode the NaN reaches the leaf silently, as in PyTorch
    x, loss = planted(edutorch, PlantNaN)
    loss.backward()
    assert bool(edutorch.isnan(x.grad).all())


def test_anomaly_message_is_pytorchs(torch):
    class TorchPlantNaN(torch.autograd.Function):
        forward, backward = PlantNaN.forward, PlantNaN.backward

    ours = TorchPlantNaN.__name__
    with torch.autograd.detect_anomaly(), pytest.warns(UserWarning):
        _, loss = planted(torch, TorchPlantNaN)
        with pytest.raises(RuntimeError) as theirs:
            loss.backward()
    assert str(theirs.value) == (f"Function '{ours}Backward' returned nan values in its 0th "
                                 f"output.")


if __name__ == "__main__" and sys.argv[1:] == ["--snapshot"]:
    import torch

    names, tensor, _ = torch_names()
    print(json.dumps({"command": "python tests/test_op_mechanism.py --snapshot > "
                                 "tests/torch_names.json",
                      "torch_version": torch.__version__, "torch": sorted(names),
                      "torch.Tensor": sorted(tensor)}, indent=0))
