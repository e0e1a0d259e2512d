"""The house rules, checked: module and function sizes, no import cycles or import-time side effects,
a crossbar never half-built, one style per plotted component, reports that name their scope and device."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "cimsim"
KERNELS = {"_conversions", "_sliced_codes"}
"""numba kernels kept as one fused loop, each saying why above its decorator"""


def test_modules_and_functions_stay_small():
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        assert len(text.splitlines()) <= 350, f"{path.relative_to(ROOT)} has {len(text.splitlines())} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name not in KERNELS:
                length = node.end_lineno - node.lineno + 1
                assert length <= 60, f"{path.relative_to(ROOT)}: {node.name} has {length} lines"


def _imports_after(statement: str) -> set[str]:
    code = (f"import sys, os; {statement}; print(' '.join(sorted(sys.modules))); "
            "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT', '-'))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    modules, blas = out.splitlines()
    return set(modules.split()) | {f"env:{blas}"}


def test_imports_cost_only_what_is_used():
    light = _imports_after("import cimsim")
    assert "env:-" in light, "import cimsim must not set OPENBLAS_THREAD_TIMEOUT"
    assert not {"numpy", "numba", "scipy"} & light
    config = _imports_after("import cimsim.config")
    assert "cimsim.mapping" not in config, "the config package must not import mapping when imported"
    run = _imports_after("import cimsim.run, cimsim.inference")
    assert not {"scipy.sparse", "scipy.special", "torch", "onnx", "onnxruntime"} & run


def test_a_crossbar_is_never_half_built():
    from cimsim.config import load_config
    from cimsim.errors import CallOrderError
    from cimsim.numerics import Crossbar

    xbar = Crossbar(load_config(ROOT / "configs" / "default.toml"), 16, 4)
    assert xbar.layer is None
    with pytest.raises(CallOrderError, match="program"):
        xbar.mvm(np.ones((2, 16)))
    xbar.program(np.ones((4, 16)))
    assert xbar.layer is not None and not xbar.layer.matrix.flags.writeable


def test_every_component_has_its_own_style():
    from cimsim.plots import COMPONENT_ORDER, component_style

    styles = [component_style(name) for name in COMPONENT_ORDER]
    assert len(set(styles)) == len(styles)
    code = "from cimsim.plots import component_style; print(component_style('a_new_component'))"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(seen) == 1  # a name not listed gets the same style in every process (not Python's salted hash)


def test_reports_name_their_scope_and_the_device():
    import cimsim
    from cimsim.report import comparison_markdown

    comp = cimsim.compare(ROOT / "configs" / "default.toml", {"workload.vectors": 32})
    text = comparison_markdown(comp)
    for phrase in ("energy (whole workload)", "latency (whole workload)", "throughput (steady state)",
                   "TOPS/W, macro alone", 'device "rram" (no device error'):
        assert phrase in text, phrase
    noisy = comparison_markdown(cimsim.compare(ROOT / "configs" / "default.toml",
                                               {"workload.vectors": 32, "device.preset": "rram"}))
    assert 'device preset "rram" (programming error' in noisy


@pytest.mark.parametrize("value, ok", [(3, True), (np.int64(3), True), (0, False), (True, False), (2.0, False),
                                       (None, False), (10**400, True)])
def test_argument_checks_live_in_one_module(value, ok):
    from cimsim.argcheck import check_int, check_real

    if ok:
        assert check_int("n", value) == int(value) and type(check_int("n", value)) is int
    else:
        with pytest.raises(ValueError, match=r"n must be an int >= 1; got"):
            check_int("n", value)
    assert check_real("x", 0.5, 0.0, 1.0, low_open=True) == 0.5
    with pytest.raises(ValueError, match=r"x must be a finite number > 0 and <= 1; got nan"):
        check_real("x", float("nan"), 0.0, 1.0, low_open=True)


@pytest.mark.parametrize("value", [10**400, -10**400, np.bool_(True), float("inf"), "1"])
def test_real_checks_refuse_what_float_cannot_hold_with_a_short_message(value):
    """10**400 is a Real that float() overflows on: refused as not finite, its 401 digits cut in the message."""
    from cimsim.argcheck import check_real

    with pytest.raises(ValueError, match=r"percentile must be a finite number >= 0 and <= 100; got") as info:
        check_real("percentile", value, 0.0, 100.0)
    assert len(str(info.value)) < 150
