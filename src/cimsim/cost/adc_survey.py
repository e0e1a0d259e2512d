"""The ADC survey regression (Murmann's survey as the Accelergy/CiMLoop ADC plug-in fits it, commit 6851cb8,
``adc_data/model.yaml``), evaluated at the reference node (32 nm, 0.9 V) before :mod:`cimsim.cost.technology` scales it:
energy and area of a converter in ENOB and rate, the default ENOB of a nominal resolution, and the SAR law that
:mod:`cimsim.cost.adc` prices (derivations in ``docs/adc.md``)."""

from __future__ import annotations

import functools
import math

from ..argcheck import check_int, check_real

__all__ = [
    "SURVEY_FOMS_INTERCEPT_DB", "SURVEY_FOMS_DB_PER_LN_HZ", "SURVEY_FOMS_ENOB_INTERCEPT_DB",
    "SURVEY_FOMS_ENOB_DB_PER_BIT", "SURVEY_ENERGY_LN_INTERCEPT", "SURVEY_ENERGY_LN_PER_LN_NM",
    "SURVEY_ENERGY_LN_PER_LN_ENOB", "SURVEY_ENERGY_LN_RESIDUAL", "SURVEY_MAX_RATE_GSPS", "SURVEY_AREA_LN_INTERCEPT",
    "SURVEY_AREA_LN_PER_LN_NM", "SURVEY_AREA_LN_PER_LN_HZ", "SURVEY_AREA_LN_PER_LN_PJ", "SURVEY_ENOB_FLOOR",
    "REFERENCE_NODE_NM", "REFERENCE_VDD_V", "ENOB_LOSS_PER_BIT", "ENOB_LOSS_INTERCEPT_BITS", "ENOB_LOSS_BITS",
    "adc_default_enob", "adc_corner_rate_gsps",
    "survey_energy_pj", "survey_rate_penalty", "run_short_enob", "sar_survey", "check_bits", "checked_enob",
    "FLASH_MAX_BITS",
]

FLASH_MAX_BITS = 8
"""the most bits a flash converter is priced at: the survey's flash designs (ISSCC and VLSI sheets, rev. 2025-06-09:
the 25 'Flash' designs whose title states a resolution) resolve 3-8 bits, and the flash law's comparator energy and
area come from them; a flash of more bits (2**bits - 1 comparators: 65 535 at 16) would be priced from none"""


def check_bits(bits: int) -> int:
    """``bits`` as a converter's nominal resolution, 1 to 16 (ValueError otherwise)"""
    return check_int("ADC resolution (bits)", bits, 1, 16)


def checked_enob(bits: int, enob: float | None) -> float:
    """a stated ENOB of a ``bits``-bit converter, in (0, bits], or its default (:func:`adc_default_enob`)"""
    if enob is None:
        return adc_default_enob(bits)
    return check_real(f"ADC ENOB of a {bits}-bit ADC", enob, 0.0, bits, low_open=True)


# ---- survey regression: Accelergy ADC plug-in, commit 6851cb8, adc_data/model.yaml ----------------------------
SURVEY_FOMS_INTERCEPT_DB = 213.7806687348118
"""rate-bound FOM_S intercept, dB (model.yaml: FOMS_hf [dB] / intercept)"""
SURVEY_FOMS_DB_PER_LN_HZ = -2.8719030399529957
"""rate-bound FOM_S slope per ln(f / 1 Hz), dB (model.yaml: FOMS_hf [dB] / frequency (Hz))"""
SURVEY_FOMS_ENOB_INTERCEPT_DB = 128.3068287398817
"""ENOB-bound FOM_S at ENOB 0, dB (model.yaml: FOMS_hf [dB] / max_by_enob[0])"""
SURVEY_FOMS_ENOB_DB_PER_BIT = 131.52734025085925 - 128.3068287398817
"""ENOB-bound FOM_S slope, dB per bit: max_by_enob[1] - max_by_enob[0] = 3.2205 (the list is exactly linear)"""
SURVEY_ENERGY_LN_INTERCEPT = 26.0496215686518
"""ln-energy correction intercept (model.yaml: FOMS_hf [dB] / tech intercept)"""
SURVEY_ENERGY_LN_PER_LN_NM = 1.8800369206815004
"""ln-energy per ln(node / 1 nm) (model.yaml: FOMS_hf [dB] / tech slope)"""
SURVEY_ENERGY_LN_PER_LN_ENOB = -2.8291256050594527
"""ln-energy per ln(ENOB) (model.yaml: FOMS_hf [dB] / enob slope)"""
SURVEY_ENERGY_LN_RESIDUAL = -1.4702022133784405
"""ln-energy quantile offset, the 20 % most efficient designs (model.yaml: FOMS_hf [dB] / energy (pJ/op) res)"""
SURVEY_MAX_RATE_GSPS = math.exp(23.025850929940457) * 1e-9
"""highest rate of the regression, GS/s: exp(model.yaml: frequency (Hz) / max value) Hz = 10 GS/s"""
SURVEY_AREA_LN_INTERCEPT = 1.3461916439910742
"""ln-area intercept, ln um2 (model.yaml: area (um^2) / intercept)"""
SURVEY_AREA_LN_PER_LN_NM = 0.9932794744745022
"""ln-area per ln(node / 1 nm) (model.yaml: area (um^2) / tech node (nm))"""
SURVEY_AREA_LN_PER_LN_HZ = 0.18071538424508238
"""ln-area per ln(f / 1 Hz) (model.yaml: area (um^2) / frequency (Hz))"""
SURVEY_AREA_LN_PER_LN_PJ = 0.29912426192653485
"""ln-area per ln(energy / 1 pJ) (model.yaml: area (um^2) / energy (pJ/op))"""
_SNDR_DB_PER_BIT = 20.0 * math.log10(2.0)
"""6.0206 dB (plug-in headers.py: bits2sndr)"""
_SNDR_DB_OFFSET = 10.0 * math.log10(1.5)
"""1.7609 dB (plug-in headers.py: bits2sndr)"""
SURVEY_ENOB_FLOOR = -SURVEY_ENERGY_LN_PER_LN_ENOB / (
    math.log(10.0) / 10.0 * (_SNDR_DB_PER_BIT - SURVEY_FOMS_ENOB_DB_PER_BIT))
"""ENOB at which the ENOB-bound branch of the regression is cheapest, 4.388 bits: below it energy is flat"""
REFERENCE_NODE_NM = 32.0
"""node at which the survey regression is evaluated before Stillmaker & Baas scaling, nm (modelling choice)"""
REFERENCE_VDD_V = 0.9
"""supply taken for survey designs at the reference node, V: the 32 nm supply of Stillmaker & Baas's example"""

# ---- ENOB default: the survey's line of nominal bits - ENOB (derivation in docs/adc.md) ----------------------------
ENOB_LOSS_PER_BIT = 0.17358803986710980
"""slope of nominal bits - ENOB against the nominal bits (Theil-Sen: the median of the 34 228 pairwise slopes) over
the survey's 283 Nyquist designs whose title states their resolution ("N b" or "N-bit", 2-16 bits; ISSCC and VLSI
sheets of ADCsurvey_latest.ods, github.com/bmurmann/ADC-survey at ddf3c1b), ENOB = (SNDR_plot - 1.76) / 6.02"""
ENOB_LOSS_INTERCEPT_BITS = -0.18305647840531725
"""intercept of that line: the median over the designs of loss - slope x nominal bits, bits"""
ENOB_LOSS_BITS: tuple[tuple[int, float], ...] = tuple(
    (b, max(0.0, ENOB_LOSS_PER_BIT * b + ENOB_LOSS_INTERCEPT_BITS)) for b in range(1, 17))
"""(nominal bits, nominal - default ENOB) of 1 to 16 bits: the line above, never below 0 (1 bit: 0; 4 bits 0.51, 8 bits
1.21, 12 bits 1.90, 16 bits 2.59), one law across resolutions. Until 2026-12-05 the median loss of five bands (<= 5,
6-7, 8-9, 10-11, 12-16 bits), whose steps priced an 11-bit SAR 2.8x a 10-bit one and a 12-bit one 3 % above the
11-bit one (median ENOB 9.73 and 9.80 bits)"""


def adc_default_enob(bits: int) -> float:
    """ENOB of a ``bits``-bit converter when none is given: bits - the survey's loss line at ``bits``."""
    return _DEFAULT_ENOB[check_bits(bits)]


_DEFAULT_ENOB = {b: b - loss for b, loss in ENOB_LOSS_BITS}
"""the default ENOB of each resolution, 1 to 16 bits"""


# ---- survey law at the reference node --------------------------------------------------------------------------
def _survey_foms_db(enob: float, rate_hz: float) -> float:
    return min(SURVEY_FOMS_INTERCEPT_DB + SURVEY_FOMS_DB_PER_LN_HZ * math.log(rate_hz),
               SURVEY_FOMS_ENOB_INTERCEPT_DB + SURVEY_FOMS_ENOB_DB_PER_BIT * enob)


def survey_energy_pj(enob: float, rate_gsps: float) -> float:
    """Survey regression at REFERENCE_NODE_NM, pJ, with the low-resolution floor at SURVEY_ENOB_FLOOR."""
    e = max(enob, SURVEY_ENOB_FLOOR)
    sndr_db = _SNDR_DB_PER_BIT * e + _SNDR_DB_OFFSET
    schreier = 1.0 / (2.0 * 10.0 ** ((_survey_foms_db(e, rate_gsps * 1e9) - sndr_db) / 10.0))
    return schreier * math.exp(SURVEY_ENERGY_LN_INTERCEPT + SURVEY_ENERGY_LN_PER_LN_NM * math.log(REFERENCE_NODE_NM)
                               + SURVEY_ENERGY_LN_PER_LN_ENOB * math.log(e) + SURVEY_ENERGY_LN_RESIDUAL)


def survey_rate_penalty(enob: float, rate_gsps: float) -> float:
    """E_survey(ENOB, f) / E_survey(ENOB, f below the corner) >= 1"""
    e = max(enob, SURVEY_ENOB_FLOOR)
    excess_db = (SURVEY_FOMS_ENOB_INTERCEPT_DB + SURVEY_FOMS_ENOB_DB_PER_BIT * e) - _survey_foms_db(e, rate_gsps * 1e9)
    return 10.0 ** (excess_db / 10.0)


def adc_corner_rate_gsps(bits: int, *, enob: float | None = None) -> float:
    """Rate above which the survey energy rises (rate line = ENOB line), GS/s, at ENOB (default from bits), at the
    reference node and supply (elsewhere the corner is this rate / ``technology.delay_scale`` from there)."""
    e = max(checked_enob(check_bits(bits), enob), SURVEY_ENOB_FLOOR)
    foms_db = SURVEY_FOMS_ENOB_INTERCEPT_DB + SURVEY_FOMS_ENOB_DB_PER_BIT * e
    return math.exp((foms_db - SURVEY_FOMS_INTERCEPT_DB) / SURVEY_FOMS_DB_PER_LN_HZ) * 1e-9


def run_short_enob(built_bits: int, bits: int) -> float:
    """ENOB of the survey-median SAR of ``built_bits`` stopped after ``bits`` bit-cycles: the quantisation noise of
    ``bits`` plus the noise and distortion its default ENOB holds beyond its own quantisation (powers in LSB**2 of a
    full-scale sine: 4**-ENOB)"""
    beyond = 4.0 ** -adc_default_enob(built_bits) - 4.0 ** -built_bits
    return -0.5 * math.log2(4.0 ** -bits + beyond)


@functools.lru_cache(maxsize=4096)
def sar_survey(bits: int, enob: float | None, rate_gsps: float) -> tuple[float, float]:
    """(energy pJ, area um2) at the reference node of a ``bits``-bit SAR at ``rate_gsps`` conversions (reference rate):
    the survey law at ``enob`` (default: its own), or a larger survey SAR of b bits stopped after ``bits`` bit-cycles
    at the same bit-cycle rate (``bits`` / b of its conversion, its area) where that is cheaper and, run short, it
    resolves no less (:func:`run_short_enob` at least this converter's ENOB)."""
    first = adc_default_enob(bits) if enob is None else enob

    def priced(b: int, e: float) -> tuple[float, float]:
        rate = rate_gsps * bits / b
        energy = survey_energy_pj(e, rate)
        ln_area = (SURVEY_AREA_LN_INTERCEPT + SURVEY_AREA_LN_PER_LN_NM * math.log(REFERENCE_NODE_NM)
                   + SURVEY_AREA_LN_PER_LN_HZ * math.log(rate * 1e9) + SURVEY_AREA_LN_PER_LN_PJ * math.log(energy))
        return energy * bits / b, math.exp(ln_area)
    options = [priced(bits, first)] + [priced(b, adc_default_enob(b)) for b in range(bits + 1, 17)
                                       if run_short_enob(b, bits) >= first]
    return min(options)  # the cheapest converter, with its own area
