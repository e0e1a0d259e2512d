"""What would stop a design's ADCs clipping, for the warning a run gives when they clip
(:func:`cimsim.run.adc_clipped_note`): converter errors reduced, a range widened, the noise that carries sums past
the largest possible one lowered, each naming its field; and the clips of noise below code 0 of a converter of
unsigned sums, which no range removes."""

from __future__ import annotations

from .config.modes import AdcRange, ArrayFamily
from .config.schema import Config
from .mapping import plan_layer

__all__ = ["clip_advice"]


def clip_advice(config: Config) -> str:
    """the words after 'the outputs lose what lies beyond it: ' in the clipping warning of ``config``"""
    return _range_advice(config) + _noise_below_zero(config)


def _noise_below_zero(config: Config) -> str:
    """the words on clips no range widening removes: read or kT/C noise carrying the sums near 0 of a converter of
    unsigned sums below its code 0 (a charge array's with digital subtraction: 22 % at the 100th percentile)"""
    noisy = config.device.read_noise_sigma > 0 or config.array.family == ArrayFamily.CHARGE  # not programming
    if not noisy or plan_layer(config, 1, 1).signed_sum:  # error: a conductance is clipped at 0 S
        return ""
    return ("; part of them may be noise carrying sums near 0 below code 0 of these converters of unsigned sums, "
            "which no wider range removes (a converter of signed sums, as analog subtraction gives, has none)")


def _range_advice(config: Config) -> str:
    """what would stop the config's ADCs clipping: their converter errors reduced, their range widened, else the
    noise that carries sums past the largest possible one lowered (a charge array's kT/C noise: its capacitance)"""
    adc = config.adc
    errors = [f"'adc.{name}' = {value:g}" for name, value in (("offset_lsb", adc.offset_lsb),
                                                             ("gain_error", adc.gain_error), ("inl_lsb", adc.inl_lsb))
              if value]
    advice = [f"reduce {', '.join(errors)}"] if errors else []
    if adc.range == AdcRange.FIXED:
        advice.append(f"raise 'adc.full_scale_fraction' = {adc.full_scale_fraction:g} (or set 'adc.range' = "
                      "\"calibrated\")")
    elif adc.range == AdcRange.CALIBRATED:
        percentile = f"raise 'adc.percentile' = {adc.percentile:g} or " if adc.percentile < 100 else ""
        advice.append(f"{percentile}calibrate on more vectors ('adc.calibration_vectors' = "
                      f"{adc.calibration_vectors}) if the first ones understate the rest")
    noise = " or ".join(_noise_sources(config)) or "the noise"
    return "; ".join(advice) or f"lower {noise} that carries the sums beyond the largest possible one"


def _noise_sources(config: Config) -> list[str]:
    """what in ``config`` can carry a column sum past its largest noiseless value, each with the field to change"""
    dev = config.device
    return ([f"the programming error ('device.program_sigma' = {dev.program_sigma:g})"] * (dev.program_sigma > 0)
            + [f"the read noise ('device.read_noise_sigma' = {dev.read_noise_sigma:g})"] * (dev.read_noise_sigma > 0)
            + ["the kT/C noise of the charge cells (raise 'array.cell_capacitance_ff')"]
            * (config.array.family == ArrayFamily.CHARGE))
