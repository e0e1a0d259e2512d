"""Arrays given in memory where numbers are expected: booleans are refused as a .npy file of them is (they had been
read as 0 and 1 without a word), and array-likes numpy or torch cannot convert plainly (sparse, quantised, meta
tensors, scipy sparse matrices, values past float64's range) get one message naming the argument and what to do,
where torch's own errors or a wrong shape had come out."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import cimsim
from cimsim.config import load_config, with_overrides
from cimsim.network import Dense, Network, ReLU
from cimsim.numerics import quantize_weights
from cimsim.numerics import Crossbar
from cimsim.numerics.checks import finite_matrix

ROOT = Path(__file__).resolve().parents[1]
CONFIG, DIGITS = ROOT / "configs" / "default.toml", ROOT / "configs" / "digits-mlp.toml"
PIXELS = np.load(ROOT / "src" / "cimsim" / "data" / "digits_test.npz")["pixels"][:8]
DENSE = {"workload.in_features": 32, "workload.out_features": 16, "workload.vectors": 6}
RNG = np.random.default_rng(0)
W, X = RNG.uniform(-1, 1, (16, 32)), RNG.uniform(-1, 1, (6, 32))
BOOLS = r"holds booleans \(dtype bool\), not numbers; pass them as numbers: a\.astype\(np\.float64\)"


def _crossbar(programmed: bool = True) -> Crossbar:
    xbar = Crossbar(with_overrides(load_config(CONFIG), {**DENSE, "adc.range": "max"}), 32, 16)
    if programmed:
        xbar.program(W)
    return xbar


def _network() -> Network:
    return Network((Dense(W), ReLU(), Dense(RNG.standard_normal((4, 16)))), (32,))


@pytest.mark.parametrize("name, call", [
    ("weights", lambda: cimsim.simulate(CONFIG, DENSE, weights=W > 0, inputs=X)),
    ("weights", lambda: cimsim.simulate(CONFIG, DENSE, weights=(W > 0).tolist(), inputs=X)),
    ("inputs", lambda: cimsim.simulate(CONFIG, DENSE, weights=W, inputs=X > 0)),
    ("inputs", lambda: cimsim.simulate(DIGITS, inputs=PIXELS > 8)),
    ("network input", lambda: _network().forward(X > 0)),
    ("weights", lambda: _crossbar(programmed=False).program(W > 0)),
    ("inputs", lambda: _crossbar().mvm(X > 0)),
    ("inputs", lambda: _crossbar().mvm((X > 0)[0])),
    ("inputs", lambda: _crossbar().digital_reference(X > 0)),
    ("Dense weight", lambda: Dense(W > 0)),
    ("weights", lambda: quantize_weights(W > 0, 4, True)),
])
def test_booleans_given_in_memory_are_refused_as_a_file_of_them_is(name, call):
    """each had run with the booleans as 0 and 1 (simulate(weights=W > 0) reported a relative error of 0.004)"""
    with pytest.raises(ValueError, match=rf"^{name} {BOOLS}"):
        call()


def test_a_torch_bool_tensor_is_refused_and_zero_one_numbers_still_run():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=rf"^inputs {BOOLS}"):
        cimsim.simulate(CONFIG, DENSE, weights=W, inputs=torch.tensor(X > 0))
    y = _crossbar().mvm((X > 0).astype(np.float64))
    assert y.shape == (6, 16) and np.isfinite(y).all()


def test_boolean_labels_keep_their_own_refusal():
    with pytest.raises(ValueError, match=r"^labels must be \(8, \.\.\.\) integers, one per input \(and output "
                                         r"position\); got shape \(8,\), dtype bool"):
        cimsim.simulate(DIGITS, inputs=PIXELS, labels=np.arange(8) > 2)


def _torch_cases():
    torch = pytest.importorskip("torch")
    w32 = torch.tensor(W, dtype=torch.float32)
    return [
        (torch.tensor(W).to_sparse(), r"is a torch tensor of layout torch\.sparse_coo, not a dense one; pass a dense "
                                      r"tensor \(a\.to_dense\(\) for a sparse one\)"),
        (torch.quantize_per_tensor(w32, 0.01, 0, torch.qint8),
         r"is a quantised torch tensor \(torch\.qint8\); pass its values: a\.dequantize\(\)"),
        (torch.empty(16, 32, device="meta"), r"is a torch tensor on the 'meta' device, which holds no values"),
        (torch.tensor(W + 0j).conj(), r"must hold real numbers; got dtype complex128"),
        (torch.tensor(W, dtype=torch.complex32), r"is a torch tensor numpy cannot read \(TypeError: .*ComplexHalf.*\); "
                                                 r"pass a dense tensor of real numbers"),
    ]


def test_torch_tensors_numpy_cannot_hold_are_named_with_what_to_do():
    """torch's own TypeError, RuntimeError and NotImplementedError had come out, naming no argument"""
    for tensor, message in _torch_cases():
        with pytest.raises(ValueError, match=rf"^weights {message}"):
            cimsim.simulate(CONFIG, DENSE, weights=tensor, inputs=X)


def test_lazy_torch_views_are_read_as_their_values():
    torch = pytest.importorskip("torch")
    assert np.array_equal(finite_matrix("weights", torch.tensor(-W)._neg_view(), (16, 32)), W)


def test_a_scipy_sparse_matrix_is_named_with_toarray():
    """numpy reads one as a 0-d object array: "weights must be a 2-d array ...; got shape ()" had come out"""
    sparse = pytest.importorskip("scipy.sparse")
    message = r"is a sparse matrix \(csr_matrix\), which numpy cannot read as an array; pass a dense one: a\.toarray"
    with pytest.raises(ValueError, match=rf"^weights {message}"):
        cimsim.simulate(CONFIG, DENSE, weights=sparse.csr_matrix(W), inputs=X)
    with pytest.raises(ValueError, match=rf"^inputs {message}"):
        _crossbar().mvm(sparse.csr_matrix(X))


def test_values_past_float64_are_named_so_and_big_python_ints_within_it_are_read():
    """a longdouble of 1e400 had been called "NaN or infinite", Python ints past 2**64 "dtype object"""
    beyond = r"holds values beyond float64's range \(finite, but the largest is about 1e400, past 1\.8e308\)"
    with pytest.raises(ValueError, match=rf"^weights {beyond}"):
        cimsim.simulate(CONFIG, DENSE, weights=[[10**400] * 32] + W[1:].tolist(), inputs=X)
    if np.finfo(np.longdouble).max > np.finfo(np.float64).max:  # longdouble wider than float64 here
        with pytest.raises(ValueError, match=rf"^inputs {beyond}"):
            _crossbar().mvm(np.full((2, 32), np.longdouble("1e400")))
    big = [[2**70 if v > 0 else -(2**66) for v in row] for row in W]
    assert np.array_equal(finite_matrix("weights", big, (16, 32)), np.array(big, dtype=np.float64))


@pytest.mark.parametrize("value, said", [(None, "at [1, 2] None of type NoneType (a missing value)"),
                                         ("0.5", "at [1, 2] '0.5' of type str")])
def test_an_object_array_names_its_first_value_that_is_no_real_number(value, said):
    """a pandas frame with a missing value (NA) or a None in a list had been refused as 'got dtype object' alone,
    not saying where or what"""
    data = np.ones((3, 4), dtype=object)
    data[1, 2] = value
    with pytest.raises(ValueError, match=re.escape(f"weights must hold real numbers; got dtype object, {said}")):
        finite_matrix("weights", data, (3, 4))
