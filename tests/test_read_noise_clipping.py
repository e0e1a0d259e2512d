"""A converter clips read noise as an ADC does (docs/devices.md): a column converted on its own has codes from 0, so
a column whose clean sum is 0 keeps only the positive half of its zero-mean noise (mean sigma / sqrt(2 pi), variance
(1/2 - 1/(2 pi)) sigma**2), while analog subtraction converts the signed difference and stays zero-mean."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cimsim.config import Config, with_overrides
from cimsim.numerics import Crossbar

ROWS, SIGMA, READS = 64, 0.02, 20000


def _outputs(subtraction: str) -> tuple[np.ndarray, float, float]:
    """(outputs of READS noisy reads of one vector, the exact product, one column's noise std in output units) of one
    output whose weights are all positive (its G- column holds level 0) on 7-bit cells and a 16-bit ADC at 'max'"""
    cfg = with_overrides(Config(), {
        "workload.in_features": ROWS, "workload.out_features": 1, "array.rows": ROWS, "array.cols": 64,
        "array.rows_per_read": ROWS, "adc.range": "max", "adc.bits": 16, "device.g_min_us": 0.0,
        "device.bits_per_cell": 7, "mapping.subtraction": subtraction, "device.read_noise_sigma": SIGMA})
    crossbar = Crossbar(cfg)
    weights = np.full((1, ROWS), 0.5)
    weights[0, 0] = 1.0  # codes 127 and 64: G+ within range, G- at level 0 in every row
    crossbar.program(weights)
    x = np.full((READS, ROWS), 0.5)  # every input code 127
    # a cell's noise: SIGMA of the 127 levels; a column sums ROWS of them times codes 127, in units of the scales
    column_sigma = SIGMA * 127 * math.sqrt(ROWS * 127 ** 2) * (0.5 / 127) * (1 / 127)
    return crossbar.mvm(x)[:, 0], float(crossbar.digital_reference(x[0])[0]), column_sigma


@pytest.mark.parametrize("subtraction", ["analog", "digital"])
def test_a_column_converted_on_its_own_keeps_the_positive_half_of_its_noise(subtraction):
    y, exact, s = _outputs(subtraction)
    if subtraction == "analog":  # the signed difference: zero-mean, 2 sigma**2
        mean, variance = exact, 2 * s ** 2
    else:  # G+ whole, G- half-rectified at code 0
        mean, variance = exact - s / math.sqrt(2 * math.pi), s ** 2 * (1 + 0.5 - 1 / (2 * math.pi))
    assert abs(y.mean() - mean) < 5 * math.sqrt(variance / READS)
    assert y.var() == pytest.approx(variance, rel=5 * math.sqrt(2 / READS))
