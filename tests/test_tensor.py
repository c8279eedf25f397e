"""The Tensor API: attributes, conversions, constructors, factories, dtypes, seeding, bad input."""
import numpy as np
import pytest

import minigrad as mg
from conftest import mg_from_np, requires_torch, to_np

DEV = mg.backend.default_device()


# ------------------------------------------------------------------------------------ attributes
def test_attributes():
    x = mg.randn(2, 3, requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.numel() == 6 and len(x) == 2
    assert x.dtype == mg.float32 and x.device == DEV and str(x.device) == DEV.type
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    assert x.T.shape == (3, 2) and mg.zeros(2, 3, 4).T.shape == (4, 3, 2)
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert "Mul" in y.grad_fn.name()
    assert type(x.array).__name__ == "ndarray"


def test_data_is_the_backend_array_and_assignable():
    x = mg.zeros(3)
    x.data[1] = 2.0
    assert x.tolist() == [0.0, 2.0, 0.0]
    x.data = mg.ones(3).data
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_item_numpy_tolist():
    t = mg.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert t[0, 0].item() == 1.5 and isinstance(t[0, 0].item(), float)
    assert isinstance(mg.tensor(3).item(), int)
    arr = t.numpy()
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float32
    np.testing.assert_array_equal(arr, [[1.5, 2.0], [3.0, 4.0]])
    assert t.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="elements"):
        t.item()
    with pytest.raises(RuntimeError, match="detach"):
        mg.ones(2, requires_grad=True).numpy()


def test_detach_shares_data_and_cuts_graph():
    x = mg.ones(3, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.array[0] = 10.0
    assert y[0].item() == 10.0


def test_dtype_conversions():
    x = mg.tensor([1.7, -2.2], requires_grad=True)
    assert x.double().dtype == mg.float64 and x.double().requires_grad
    assert x.float() is x
    assert x.long().dtype == mg.int64 and x.long().tolist() == [1, -2] and not x.long().requires_grad
    assert x.to(mg.float64).dtype == mg.float64
    assert x.to("cpu" if DEV.type == "cpu" else "cuda") is x
    assert x.to(DEV, mg.float64).dtype == mg.float64
    assert x.cpu().device == "cpu" and isinstance(x.detach().cpu().numpy(), np.ndarray)
    x.double().sum().backward()
    assert x.grad.dtype == mg.float32
    np.testing.assert_array_equal(to_np(x.grad), [1.0, 1.0])


def test_requires_grad_retain_grad_zero():
    x = mg.ones(3)
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 3
    y.retain_grad()
    z = y * y
    z.sum().backward()
    np.testing.assert_array_equal(to_np(y.grad), [6.0] * 3)
    np.testing.assert_array_equal(to_np(x.grad), [18.0] * 3)
    assert z.grad is None
    with mg.no_grad():
        x.zero_()
    assert x.tolist() == [0.0] * 3
    x.grad.zero_()
    assert x.grad.tolist() == [0.0] * 3


def test_repr_shows_values_and_grad():
    assert repr(mg.ones(2, requires_grad=True)) == "tensor([1., 1.], requires_grad=True)"
    assert repr(mg.ones(2, requires_grad=True) * 2) == "tensor([2., 2.], grad_fn=<MulBackward0>)"
    assert repr(mg.ones(2, dtype=mg.float64)) == "tensor([1., 1.], dtype=minigrad.float64)"
    assert repr(mg.nn.Parameter(mg.zeros(1))) == "Parameter containing:\ntensor([0.], requires_grad=True)"


# Each case builds a tensor from `m`, the minigrad or the torch module (their APIs match).
_REPR_DATA = [
    "[1., 2.]", "[1.5, 2.25]", "[1e-5, 1e3]", "[True, False]", "[1, 2, -30]", "3.", "7", "2.5", "True",
    "[]", "[[]]", "[nan, 1.]", "[inf, -inf, 1.5]", "[-1.5, 2., -300.25]", "[[1., -2.], [3., 4.]]",
    "[0., 0.]", "[nan]", "[-0., 1.]", "[1e9, 1.]", "[123456789., 1.]", "[1e-4, 2.]", "[5e-5, 2.]",
    "[[[1.1, 2], [3, 4]], [[5, 6], [7, 8.]]]", "[1e-10]", "[1e20, -3e-3]", "1e-5", "nan", "[-inf]",
    "[1001., 1.]", "[1000., 1.]", "[0.1, 100.]", "[12345.678, 0.5]",
]
_REPR_DTYPES = ["", "float64", "float16", "int32", "int8", "uint8", "bool"]
_REPR_BUILT = {
    "float_2000": lambda m: m.arange(2000, dtype=m.float32) / 7,
    "wrap_1d": lambda m: m.arange(30.) * 1.5,
    "wrap_int_2d": lambda m: m.arange(1200).reshape(30, 40) - 600,
    "3d": lambda m: m.arange(24.).reshape(2, 3, 4) / 3,
    "3d_summarised": lambda m: m.arange(5000.).reshape(10, 10, 50),
    "4d": lambda m: m.arange(16.).reshape(2, 2, 2, 2) - 8,
    "long_rows": lambda m: (m.arange(600.).reshape(3, 200) - 300) / 9,
    "sci_wrap": lambda m: m.arange(40.) * 1e5 + 0.5,
    "ints_summarised": lambda m: m.arange(1001) - 500,
    "bool_summarised": lambda m: m.arange(2000).reshape(2, 1000) % 3 == 0,
    "empty_2d": lambda m: m.zeros(0, 3),
    "empty_int": lambda m: m.zeros(2, 0, dtype=m.int64),
    "empty_bool": lambda m: m.zeros(0, dtype=m.bool),
    "empty_f64": lambda m: m.zeros(0, dtype=m.float64),
    "requires_grad": lambda m: m.ones(3, requires_grad=True),
    "requires_grad_f64": lambda m: m.ones(3, dtype=m.float64, requires_grad=True),
    "mul": lambda m: m.ones(3, requires_grad=True) * 2,
    "suffix_wrap": lambda m: (m.arange(33., dtype=m.float64) / 3).requires_grad_(),
    "suffix_wrap_2d": lambda m: m.arange(30.).reshape(3, 10).double().requires_grad_() * 1.5,
    "sum": lambda m: m.arange(3., requires_grad=True).sum(),
    "sum_dim": lambda m: m.ones(2, 3, requires_grad=True).sum(1),
    "add": lambda m: m.ones(2, requires_grad=True) + 1,
    "sub": lambda m: m.ones(2, requires_grad=True) - 1,
    "div": lambda m: m.ones(2, requires_grad=True) / 3,
    "neg": lambda m: -m.ones(2, requires_grad=True),
    "pow": lambda m: m.ones(2, requires_grad=True) ** 2,
    "exp": lambda m: m.ones(2, requires_grad=True).exp(),
    "tanh": lambda m: m.ones(2, requires_grad=True).tanh(),
    "relu": lambda m: m.ones(2, requires_grad=True).relu(),
    "mm": lambda m: m.ones(2, 2, requires_grad=True) @ m.ones(2, 2),
    "mv": lambda m: m.ones(2, 2, requires_grad=True) @ m.ones(2),
    "dot": lambda m: m.ones(2, requires_grad=True) @ m.ones(2),
    "view": lambda m: m.ones(2, 2, requires_grad=True).reshape(4),
    "select": lambda m: m.ones(2, 2, requires_grad=True)[0],
    "slice": lambda m: m.ones(3, requires_grad=True)[1:],
    "index": lambda m: m.ones(3, requires_grad=True)[m.tensor([0, 2])],
    "to_copy": lambda m: m.ones(2, requires_grad=True).double(),
    "softmax": lambda m: m.ones(2, requires_grad=True).softmax(0),
    "max": lambda m: m.ones(2, requires_grad=True).max(),
    "cat": lambda m: m.cat([m.ones(1, requires_grad=True), m.ones(1)]),
    "addmm": lambda m: m.nn.functional.linear(m.ones(1, 2, requires_grad=True), m.ones(3, 2),
                                              m.ones(3)),
    "cross_entropy": lambda m: m.nn.functional.cross_entropy(m.ones(2, 3, requires_grad=True),
                                                             m.tensor([0, 1])),
}


def _repr_pair(make):
    import torch
    theirs = repr(make(torch)).replace("torch.", "minigrad.")
    return repr(make(mg)), theirs


@requires_torch
@pytest.mark.filterwarnings("ignore:overflow encountered")
@pytest.mark.parametrize("dtype", _REPR_DTYPES)
@pytest.mark.parametrize("data", _REPR_DATA)
def test_repr_matches_torch_for_data(data, dtype):
    def make(m):
        kw = {"dtype": getattr(m, dtype)} if dtype else {}
        return m.tensor(eval(data, {"nan": float("nan"), "inf": float("inf")}), **kw)
    try:
        ours, theirs = _repr_pair(make)
    except (ValueError, RuntimeError, OverflowError):  # e.g. nan as an int: not representable
        pytest.skip("not representable in this dtype")
    assert ours == theirs


@requires_torch
@pytest.mark.parametrize("name", sorted(_REPR_BUILT))
def test_repr_matches_torch(name):
    ours, theirs = _repr_pair(_REPR_BUILT[name])
    assert ours == theirs


@requires_torch
def test_parameter_repr_matches_torch():
    import torch
    ours = repr(mg.nn.Parameter(mg.arange(4.).reshape(2, 2) / 3))
    assert ours == repr(torch.nn.Parameter(torch.arange(4.).reshape(2, 2) / 3))


# ---------------------------------------------------------------------------------- constructors
def test_tensor_constructor_dtype_inference():
    assert mg.tensor([1, 2]).dtype == mg.int64
    assert mg.tensor([1.0, 2]).dtype == mg.float32
    assert mg.tensor([True, False]).dtype == mg.bool
    assert mg.tensor(np.zeros(2)).dtype == mg.float64
    assert mg.tensor(np.zeros(2, dtype=np.int32)).dtype == mg.int32
    assert mg.tensor(np.float64(1.5)).dtype == mg.float64
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == mg.float64
    assert mg.tensor([[1, 2], [3, 4]], dtype="float64").shape == (2, 2)
    t = mg.tensor(2.5, requires_grad=True)
    assert t.shape == () and t.requires_grad
    assert mg.tensor([1, 2]).device == DEV and mg.tensor(np.zeros(2)).device == DEV


def test_tensor_copies_its_input():
    arr = np.zeros(3)
    t = mg.tensor(arr)
    arr[0] = 1
    assert t[0].item() == 0.0
    shared = mg.from_numpy(arr)
    arr[1] = 2
    assert shared[1].item() == 2.0


def test_Tensor_class_constructor_like_torch():
    inputs = mg.Tensor(1, 10, 5)
    assert inputs.shape == (1, 10, 5) and inputs.dtype == mg.float32
    assert not np.any(to_np(inputs))
    t = mg.Tensor([1, 2])
    assert t.dtype == mg.float32 and t.tolist() == [1.0, 2.0]
    assert mg.Tensor(np.array([1, 2])).dtype == mg.float32
    assert mg.Tensor([[1, 2], [3, 4]]).shape == (2, 2)
    assert isinstance(mg.ones(2), mg.Tensor) and mg.is_tensor(t)


@requires_torch
def test_Tensor_class_constructor_matches_torch():
    import torch
    for args in [(1, 10, 5), ([1, 2],), ([[1.5, 2], [3, 4]],), (3,)]:
        a, b = mg.Tensor(*args), torch.Tensor(*args)
        assert a.shape == tuple(b.shape) and a.dtype.name == str(b.dtype)[6:]
        if not (len(args) > 1 or isinstance(args[0], int)):
            np.testing.assert_array_equal(to_np(a), b.numpy())


# ------------------------------------------------------------------------------------- factories
@pytest.mark.parametrize("make,shape,dtype,check", [
    (lambda: mg.zeros(2, 3), (2, 3), mg.float32, lambda a: np.all(a == 0)),
    (lambda: mg.zeros((2, 3), dtype=mg.float64), (2, 3), mg.float64, lambda a: np.all(a == 0)),
    (lambda: mg.ones([4]), (4,), mg.float32, lambda a: np.all(a == 1)),
    (lambda: mg.full((2, 2), 7), (2, 2), mg.int64, lambda a: np.all(a == 7)),
    (lambda: mg.full((2,), 1.5), (2,), mg.float32, lambda a: np.all(a == 1.5)),
    (lambda: mg.empty(3, 2), (3, 2), mg.float32, lambda a: True),
    (lambda: mg.arange(5), (5,), mg.int64, lambda a: list(a) == [0, 1, 2, 3, 4]),
    (lambda: mg.arange(1, 2, 0.25), (4,), mg.float32, lambda a: np.allclose(a, [1, 1.25, 1.5, 1.75])),
    (lambda: mg.linspace(0, 1, 5), (5,), mg.float32, lambda a: np.allclose(a, [0, .25, .5, .75, 1])),
    (lambda: mg.eye(3), (3, 3), mg.float32, lambda a: np.array_equal(a, np.eye(3))),
    (lambda: mg.eye(2, 3, dtype=mg.float64), (2, 3), mg.float64, lambda a: a[1, 1] == 1),
    (lambda: mg.rand(100), (100,), mg.float32, lambda a: np.all((a >= 0) & (a < 1))),
    (lambda: mg.randn(2, 50, dtype=mg.float64), (2, 50), mg.float64, lambda a: np.std(a) > 0.5),
    (lambda: mg.randint(3, 7, (50,)), (50,), mg.int64,
     lambda a: a.min() >= 3 and a.max() < 7 and len(set(a)) > 1),
    (lambda: mg.zeros_like(mg.ones(2, 3, dtype=mg.float64)), (2, 3), mg.float64,
     lambda a: np.all(a == 0)),
    (lambda: mg.ones_like(mg.zeros(2), dtype=mg.int64), (2,), mg.int64, lambda a: np.all(a == 1)),
    (lambda: mg.full_like(mg.zeros(3), 2.5), (3,), mg.float32, lambda a: np.all(a == 2.5)),
    (lambda: mg.rand_like(mg.zeros(3, 3)), (3, 3), mg.float32, lambda a: np.all((a >= 0) & (a < 1))),
    (lambda: mg.randn_like(mg.zeros(40, dtype=mg.float64)), (40,), mg.float64,
     lambda a: np.std(a) > 0.5),
])
def test_factories(make, shape, dtype, check):
    t = make()
    assert t.shape == shape and t.dtype == dtype and t.device == DEV
    assert check(to_np(t))


def test_factories_requires_grad():
    assert mg.zeros(2, requires_grad=True).requires_grad
    assert mg.randn(2, requires_grad=True).is_leaf
    with pytest.raises(RuntimeError, match="floating point"):
        mg.zeros(2, dtype=mg.int64, requires_grad=True)


def test_manual_seed_reproducible():
    def draw():
        return [to_np(mg.rand(4)), to_np(mg.randn(3, dtype=mg.float64)), to_np(mg.randint(0, 100, (5,))),
                to_np(mg.randperm(6))]
    mg.manual_seed(123)
    first = draw()
    mg.manual_seed(123)
    second = draw()
    mg.manual_seed(124)
    third = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], third[0])


def test_dtypes_exposed():
    assert mg.float32 != mg.float64
    for name in ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]:
        assert isinstance(getattr(mg, name), mg.dtype)
    assert mg.float is mg.float32 and mg.double is mg.float64 and mg.long is mg.int64
    assert repr(mg.float32) == "minigrad.float32"
    assert mg.get_default_dtype() == mg.float32


# ------------------------------------------------------------------------------------- bad input
def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2]).requires_grad_()


@pytest.mark.parametrize("data,name", [("abc", "str"), (None, "NoneType"), ({1: 2}, "dict"),
                                       ([object()], "object"), ([1 + 2j], "complex")])
def test_unsupported_python_objects_raise_type_error_naming_them(data, name):
    with pytest.raises(TypeError, match=name):
        mg.tensor(data)


@pytest.mark.parametrize("dtype,name", [(np.complex64, "complex64"), ("float128", "float128"),
                                        ("str", "str"), (object, "object")])
def test_unsupported_dtypes_raise_type_error_naming_them(dtype, name):
    with pytest.raises(TypeError, match=name):
        mg.zeros(2, dtype=dtype)


def test_unsupported_array_dtype_raises_type_error():
    with pytest.raises(TypeError, match="complex"):
        mg.tensor(np.zeros(2, dtype=np.complex128))


def test_ragged_data_raises():
    with pytest.raises((ValueError, TypeError), match="ragged|sequence"):
        mg.tensor([[1, 2], [3]])


def test_bool_of_multi_element_tensor_raises():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mg.ones(2))
    assert bool(mg.ones(1)) and not bool(mg.zeros(()))


@pytest.mark.gpu
@pytest.mark.skipif(not mg.cuda.is_available(), reason="needs CuPy and a GPU")
def test_mixing_devices_raises_naming_both():
    a, b = mg.ones(2, device="cpu"), mg.ones(2, device="cuda")
    with pytest.raises(RuntimeError) as info:
        a + b
    assert "cpu" in str(info.value) and "cuda" in str(info.value)
    moved = a.to("cuda")
    assert moved.device == "cuda" and moved.cpu().device == "cpu"
    assert isinstance(b.numpy(), np.ndarray)
    c = mg.ones(2, device="cpu", requires_grad=True)
    (c.cuda() * 2).sum().backward()
    assert c.grad.device == "cpu" and c.grad.tolist() == [2.0, 2.0]


@pytest.mark.skipif(mg.cuda.is_available(), reason="CuPy is available here")
def test_to_cuda_without_cupy_says_how_to_install():
    with pytest.raises(RuntimeError, match=r'pip install -e "\.\[cuda\]"'):
        mg.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match=r'pip install -e "\.\[cuda\]"'):
        mg.ones(2).cuda()


# ------------------------------------------------------------------ audit regressions
@pytest.mark.parametrize("make", [lambda: mg.zeros(-1), lambda: mg.randn(2, -2), lambda: mg.eye(-1),
                                  lambda: mg.linspace(0, 1, -1), lambda: mg.arange(0, 5, -1)])
def test_bad_factory_arguments_raise_a_clear_runtime_error(make):
    with pytest.raises(RuntimeError):
        make()


@requires_torch
def test_factory_argument_forms_match_torch():
    import torch
    assert mg.arange(mg.tensor(5)).tolist() == torch.arange(torch.tensor(5)).tolist()
    assert mg.arange(mg.tensor(5)).dtype == mg.int64
    assert mg.ones(mg.tensor(3)).shape == tuple(torch.ones(torch.tensor(3)).shape)
    assert mg.randint(5, (3,)).shape == tuple(torch.randint(5, (3,)).shape)
    with pytest.raises(TypeError):
        mg.rand(2, dtype=mg.int64)
    for bad in (2.0, True, np.float32(1.5)):
        with pytest.raises(TypeError, match="sequence"):
            mg.Tensor(bad)


def test_assigning_a_grad_of_the_wrong_shape_or_dtype_raises():
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="shape"):
        x.grad = mg.ones(3)
    with pytest.raises(RuntimeError, match="dtype"):
        x.grad = mg.ones(2, dtype=mg.float64)
    with pytest.raises(TypeError):
        x.grad = [1.0, 1.0]
    x.grad = mg.ones(2)
    del x.grad
    assert x.grad is None


def test_non_native_byte_order():
    """Big-endian arrays (as read from some files) convert with tensor(); from_numpy refuses them."""
    for src in ([1, -2], [1.5, -0.25]):
        for code in ("i4", "i8", "f4", "f8"):
            arr = np.array(src, dtype=">" + code)
            t = mg.tensor(arr)
            assert t.tolist() == arr.tolist()
            assert np.asarray(t.numpy()).dtype.isnative
    with pytest.raises(ValueError, match="byte order"):
        mg.from_numpy(np.array([1], dtype=">i4"))
