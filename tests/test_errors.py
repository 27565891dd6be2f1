"""Bad input gets a clear error that names the op and the problem, like PyTorch's.

Where PyTorch raises, edutorch must raise the same exception type (checked against torch where
it is installed), and its message must name what went wrong.
"""
import pytest

import edutorch

# (id, call on a library, exception type, regex the edutorch message must match)
CASES = [
    ("matmul_shapes", lambda lib: lib.zeros(3, 4) @ lib.zeros(5, 2), RuntimeError,
     r"matmul: shapes \(3, 4\) and \(5, 2\) cannot be multiplied \(4 != 5\)"),
    ("matmul_vectors", lambda lib: lib.matmul(lib.zeros(2), lib.zeros(3)), RuntimeError,
     r"matmul: shapes \(2,\) and \(3,\) cannot be multiplied \(2 != 3\)"),
    ("matmul_dtypes", lambda lib: lib.zeros(2, 2) @ lib.zeros(2, 2, dtype=lib.float64),
     RuntimeError, r"float32.*float64|same dtype"),
    ("broadcast_add", lambda lib: lib.zeros(2, 3) + lib.zeros(4), RuntimeError,
     r"add: The size of tensor a \(3\) must match the size of tensor b \(4\) at "
     r"non-singleton dimension 1"),
    ("broadcast_mul", lambda lib: lib.zeros(2) * lib.zeros(3, 4), RuntimeError,
     r"mul: .*size of tensor a \(2\) must match the size of tensor b \(4\)"),
    ("broadcast_where", lambda lib: lib.where(lib.zeros(2) > 0, lib.zeros(3), 1.0),
     RuntimeError, r"where.*\(2\).*\(3\)|\(3\).*\(2\)"),
    ("int_requires_grad", lambda lib: lib.tensor([1, 2], requires_grad=True), RuntimeError,
     r"only floating point tensors can require gradients"),
    ("bool_requires_grad", lambda lib: lib.tensor([True]).requires_grad_(), RuntimeError,
     r"only floating point tensors can require gradients"),
    ("where_condition_dtype", lambda lib: lib.where(lib.zeros(2), lib.zeros(2), lib.zeros(2)),
     RuntimeError, r"where expected condition to be a boolean tensor.*float32"),
    ("masked_fill_mask_dtype", lambda lib: lib.zeros(2).masked_fill(lib.zeros(2), 1.0),
     RuntimeError, r"masked_fill_? only supports boolean masks"),
    ("mean_of_ints", lambda lib: lib.zeros(2, dtype=lib.int64).mean(), RuntimeError,
     r"mean\(\): could not infer output dtype.*Got: Long"),
    ("inplace_cast", lambda lib: lib.zeros(2, dtype=lib.int64).add_(1.5), RuntimeError,
     r"result type Float can't be cast to the desired output type Long"),
    ("inplace_broadcast", lambda lib: lib.zeros(3).mul_(lib.zeros(2, 3)), RuntimeError,
     r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"),
    ("float_index", lambda lib: lib.zeros(3)[lib.tensor([0.0])], IndexError,
     r"tensors used as indices must be long, int, byte or bool tensors"),
    ("index_out_of_bounds", lambda lib: lib.zeros(2, 3)[:, 5], IndexError,
     r"index 5 is out of bounds for dimension 1 with size 3"),
    ("dim_out_of_range", lambda lib: lib.zeros(2, 3).sum(5), IndexError,
     r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"),
    ("softmax_dim", lambda lib: lib.zeros(2, 3).softmax(2), IndexError,
     r"Dimension out of range"),
    ("reshape_size", lambda lib: lib.zeros(3).view(2, 2), RuntimeError,
     r"shape '\[2, 2\]' is invalid for input of size 3"),
    ("expand_size", lambda lib: lib.zeros(2, 3).expand(3), RuntimeError,
     r"number of sizes provided \(1\) must be greater or equal to the number of dimensions"),
    ("expand_mismatch", lambda lib: lib.zeros(3).expand(2, 4), RuntimeError,
     r"The expanded size of the tensor \(4\) must match the existing size \(3\) at "
     r"non-singleton dimension 1"),
    ("cat_dims", lambda lib: lib.cat([lib.zeros(2), lib.zeros(2, 2)]), RuntimeError,
     r"Tensors must have same number of dimensions: got 1 and 2"),
    ("cat_sizes", lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 4)]), RuntimeError,
     r"Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 "
     r"for tensor number 1"),
    ("gather_index_dtype", lambda lib: lib.zeros(2, 2).gather(1, lib.tensor([[0.5]])),
     RuntimeError, r"gather\(\): Expected dtype int64 for index"),
    ("item_of_many", lambda lib: lib.zeros(2).item(), RuntimeError,
     r"a Tensor with 2 elements cannot be converted to Scalar"),
    ("bool_of_many", lambda lib: bool(lib.zeros(2)), RuntimeError,
     r"Boolean value of Tensor with more than one value is ambiguous"),
    ("bool_sub", lambda lib: lib.tensor([True]) - lib.tensor([False]), RuntimeError,
     r"Subtraction, the `-` operator, with two bool tensors is not supported"),
    ("bool_neg", lambda lib: -lib.tensor([True]), RuntimeError,
     r"Negation, the `-` operator, on a bool tensor is not supported"),
    ("numpy_requires_grad", lambda lib: lib.zeros(2, requires_grad=True).numpy(),
     RuntimeError, r"Can't call numpy\(\) on Tensor that requires grad"),
    ("unknown_device", lambda lib: lib.zeros(2, device="tpu"), RuntimeError,
     r"Expected one of cpu, cuda.*device.*tpu"),
    ("non_scalar_backward", lambda lib: (lib.zeros(2, requires_grad=True) * 2).backward(),
     RuntimeError, r"grad can be implicitly created only for scalar outputs"),
    ("backward_no_grad", lambda lib: lib.zeros(2).sum().backward(), RuntimeError,
     r"element 0 of tensors does not require grad and does not have a grad_fn"),
    ("leaf_inplace", lambda lib: lib.zeros(2, requires_grad=True).add_(1), RuntimeError,
     r"a leaf Variable that requires grad is being used in an in-place operation"),
    ("integer_negative_power", lambda lib: lib.tensor([2]) ** -1, RuntimeError,
     r"Integers to negative integer powers are not allowed"),
    ("clamp_without_bounds", lambda lib: lib.zeros(2).clamp(), RuntimeError,
     r"At least one of 'min' or 'max' must not be None"),
    ("permute_duplicates", lambda lib: lib.zeros(2, 3).permute(0, 0), RuntimeError,
     r"permute.*(duplicate|repeated)"),
    ("split_sizes", lambda lib: lib.zeros(5).split([2, 2]), RuntimeError,
     r"split_with_sizes expects split_sizes to sum exactly to 5"),
]


@pytest.mark.parametrize("call,exc,pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_message(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(edutorch)


@pytest.mark.parametrize("call,exc", [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_torch_raises_the_same_exception_type(torch, call, exc):
    """The cases above are errors in PyTorch too, of the same type."""
    with pytest.raises(exc):
        call(torch)


@pytest.mark.skipif(edutorch.cuda.is_available(), reason="a GPU is usable here")
def test_cuda_without_a_gpu_says_what_is_missing():
    for call in (lambda: edutorch.zeros(2, device="cuda"), lambda: edutorch.zeros(2).cuda(),
                 lambda: edutorch.zeros(2).to("cuda"), lambda: edutorch.randn(2, device="cuda"),
                 lambda: edutorch.tensor([1.0], device="cuda:0")):
        with pytest.raises(RuntimeError, match=r"cuda.*(CuPy|CUDA)") as info:
            call()
        msg = str(info.value)
        assert "cpu" in msg  # says what to do instead
        try:
            import cupy  # noqa: F401
        except ImportError:
            assert "CuPy, which is not installed" in msg and "pip install" in msg


def test_cpu_device_moves_are_no_ops():
    x = edutorch.ones(2, requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(edutorch.device("cpu")) is x
    assert x.to(device="cpu", dtype=edutorch.float32) is x
    assert x.device == edutorch.device("cpu") and x.device.index is None


def test_device_objects():
    d = edutorch.device("cuda:1")
    assert d.type == "cuda" and d.index == 1 and str(d) == "cuda:1"
    assert edutorch.device("cpu") == "cpu" and edutorch.device(edutorch.device("cpu")) == "cpu"
    with pytest.raises(RuntimeError, match="Invalid device string"):
        edutorch.device("cuda:x")


def test_cuda_module_without_a_gpu():
    if edutorch.cuda.is_available():
        pytest.skip("a GPU is usable here")
    assert edutorch.cuda.is_available() is False
    assert edutorch.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="no CUDA device"):
        edutorch.cuda.current_device()


@pytest.mark.parametrize("call", [lambda: edutorch.exp([1.0, 2.0]), lambda: edutorch.sum(3),
                                  lambda: edutorch.softmax([1.0], 0),
                                  lambda: edutorch.reshape((1, 2), (2,))])
def test_function_with_a_non_tensor_names_the_op(call):
    with pytest.raises(TypeError, match=r"\(\): argument 'input' .*must be Tensor"):
        call()
