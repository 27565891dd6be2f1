"""Every class and function the nn/optim/data issue names exists, with PyTorch's parameters.

The signature check compares parameter names in order (where PyTorch's signature can be read):
code that calls PyTorch with keyword or positional arguments must call edutorch the same way.
"""
import inspect

import pytest

import edutorch

# _resolve walks attributes from edutorch: load the submodules it walks into
import edutorch.nn.functional
import edutorch.optim
import edutorch.utils.data

MODULES = """Module Parameter Sequential ModuleList ModuleDict ParameterList Identity Linear Flatten
Unflatten Conv1d Conv2d ConvTranspose2d MaxPool1d MaxPool2d AvgPool1d AvgPool2d AdaptiveAvgPool2d
BatchNorm1d BatchNorm2d LayerNorm GroupNorm Dropout Embedding RNN LSTM GRU RNNCell LSTMCell GRUCell
MultiheadAttention TransformerEncoderLayer TransformerEncoder ReLU LeakyReLU ELU GELU SiLU Sigmoid
Tanh Softmax LogSoftmax Softplus MSELoss L1Loss SmoothL1Loss HuberLoss CrossEntropyLoss NLLLoss
BCELoss BCEWithLogitsLoss KLDivLoss""".split()
FUNCTIONAL = """linear conv1d conv2d conv_transpose2d max_pool1d max_pool2d avg_pool1d avg_pool2d
adaptive_avg_pool2d batch_norm layer_norm group_norm dropout embedding relu leaky_relu elu gelu
silu sigmoid tanh softmax log_softmax softplus mse_loss l1_loss smooth_l1_loss huber_loss
cross_entropy nll_loss binary_cross_entropy binary_cross_entropy_with_logits kl_div pad one_hot
scaled_dot_product_attention""".split()
INIT = """uniform_ normal_ constant_ zeros_ ones_ xavier_uniform_ xavier_normal_ kaiming_uniform_
kaiming_normal_ orthogonal_""".split()
UTILS = "clip_grad_norm_ clip_grad_value_ parameters_to_vector vector_to_parameters".split()
OPTIMIZERS = "Optimizer SGD Adam AdamW RMSprop Adagrad".split()
SCHEDULERS = """StepLR MultiStepLR ExponentialLR CosineAnnealingLR LambdaLR OneCycleLR
ReduceLROnPlateau""".split()
DATA = "Dataset TensorDataset Subset ConcatDataset random_split DataLoader".split()

CASES = ([("nn", n) for n in MODULES] + [("nn.functional", n) for n in FUNCTIONAL]
         + [("nn.init", n) for n in INIT] + [("nn.utils", n) for n in UTILS]
         + [("optim", n) for n in OPTIMIZERS] + [("optim.lr_scheduler", n) for n in SCHEDULERS]
         + [("utils.data", n) for n in DATA] + [("", "save"), ("", "load")])


def _resolve(root, path, name):
    obj = root
    for part in filter(None, path.split(".")):
        obj = getattr(obj, part)
    return getattr(obj, name)


def _params(obj):
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return None  # a builtin without a readable signature
    names = [p.name for p in sig.parameters.values()
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"]
    return names


@pytest.mark.parametrize("path,name", CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_exists(path, name):
    obj = _resolve(edutorch, path, name)
    assert callable(obj), f"edutorch.{path}.{name} is not callable"


# edutorch.save/load never pickle: PyTorch's pickle_module/pickle_protocol/mmap arguments have
# no meaning here, so their signatures are (obj, f) and (f, map_location, weights_only) only.
NOT_PYTORCH_SIGNATURE = {("", "save"), ("", "load")}


@pytest.mark.parametrize("path,name", CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_signature_matches_pytorch(torch, path, name):
    if (path, name) in NOT_PYTORCH_SIGNATURE:
        pytest.skip("safetensors-based save/load take no pickle arguments")
    ours = _params(_resolve(edutorch, path, name))
    theirs = _params(_resolve(torch, path, name))
    if theirs is None:
        pytest.skip(f"torch.{path}.{name} has no readable signature")
    # every parameter PyTorch names exists here, in the same order (extras may follow)
    assert ours is not None
    missing = [p for p in theirs if p not in ours]
    assert not missing, f"edutorch.{path}.{name} lacks PyTorch's parameters {missing}"
    positions = [ours.index(p) for p in theirs]
    assert positions == sorted(positions), (
        f"edutorch.{path}.{name} orders its parameters {ours}, PyTorch {theirs}")
