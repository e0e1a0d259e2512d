"""``cimsim price-model``: a standard network or a network file priced from its shapes (:mod:`cimsim.models`)."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import click

from .cli_checks import check_not_inputs, check_suffix
from .cli_guard import OneLineErrors, OutputPath, guarded, is_stdout
from .cli_settings import Integers, settings_overrides
from .errors import ConfigError

__all__ = ["price_model_command"]


@click.command("price-model", cls=OneLineErrors)
@click.argument("model_name", metavar="MODEL")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Design to price it on (default: the rram-default preset, the hardware of configs/default.toml).")
@click.option("--seq-len", type=Integers(1, 1 << 30), default=None,
              help="BERT: tokens per sequence (128); decoder: prompt length (prefill) and KV-cache context (decode), "
                   "default and at most its trained context.")
@click.option("--phase", type=click.Choice(["prefill", "decode", "both"]), default=None,
              help="Decoders only: which phase to price (default both).")
@click.option("--kv-cache", type=click.Choice(["sram", "dram"]), default="sram", show_default=True,
              help="Where the KV cache lives.")
@click.option("--chips", type=Integers(1), default=None, help="Chips the weights may span (default 1).")
@click.option("--reload-weights", is_flag=True, help="One chip, the weights reloaded from DRAM part by part.")
@click.option("--items", type=Integers(1, 2 ** 40), default=1,
              show_default=True, help="Items (images, sequences, tokens) priced (at most 2**40, models.MAX_ITEMS); "
                                      "the chip's leakage and one-off loads spread over them.")
@click.option("--sequences", type=Integers(1, 2 ** 16), default=1,
              help="Decode: sequences decoded at once (at most 65536, models.MAX_SEQUENCES).")
@click.option("--vector-lanes", type=Integers(1, 2 ** 31), default=None,
              help="Lanes of each chip's vector unit (256; at most 2**31, cost.vector_unit.MAX_LANES); the baseline "
                   "runs its vector work on the same unit unless its config sets baseline.vector_lanes.")
@click.option("--image-side", type=Integers(32, 8192), default=None,
              help="CNNs: image side, pixels (224; 32 to 8192, models.MAX_IMAGE_SIDE).")
@click.option("--activation-products", type=click.Choice(["digital", "arrays"]), default="digital", show_default=True,
              help="Attention's activation x activation products on the vector unit, or on crossbars rewritten "
                   "with one operand every item (write energy, time and the cells' lifetime shown).")
@click.option("--samples", "samples_path", type=click.Path(dir_okay=False), default=None,
              help="Network files: a .npz whose array x holds sample inputs; each matrix layer is priced at the "
                   "codes of the inputs that a float forward pass of samples evenly spaced over x feeds it (until "
                   "each layer saw 256 vectors and 4096 values, 16 samples at most) and at the levels of its "
                   "weights of evenly spaced outputs (default: uniform codes).")
@click.option("--set", "settings", multiple=True, metavar="FIELD=VALUE",
              help="Override a field of the design (--config's, or the preset's), e.g. --set baseline.preset=a100 "
                   "(repeatable).")
@click.option("-o", "--output", type=OutputPath(dir_okay=False), help="Write every figure as JSON here.")
@guarded
def price_model_command(model_name, config_path, seq_len, phase, kv_cache, chips, reload_weights, items, sequences,
                        vector_lanes, image_side, activation_products, samples_path, settings, output):
    """Price a standard network (MODEL: resnet18, resnet50, mobilenetv2, bert-base, gpt2-small, llama-7b,
    mixtral-8x7b) or a network file (MODEL: a .npz or .onnx path) from its shapes alone on CIM chips and on the
    config's baseline: energy per item and token, rates, chips, gains."""
    from .models import DECODERS, DEFAULT_VECTOR_LANES, MODEL_NAMES, MatrixOp, get_model, price_model, price_table
    from .atomic import write_atomic
    from .cost import trust
    from .report_json import cimsim_version, to_json

    is_file = model_name.lower().endswith((".npz", ".onnx"))
    if model_name not in MODEL_NAMES and not is_file:
        raise _unknown(model_name)
    if chips is not None and reload_weights:
        raise click.UsageError("--chips and --reload-weights exclude each other")
    if samples_path is not None and not is_file:
        raise click.UsageError(f"--samples is for network files; {model_name} is a standard model without data")
    if phase is not None and model_name not in DECODERS:
        raise click.UsageError(f"--phase is for decoders ({', '.join(DECODERS)}); {model_name} has one phase")
    _check_options_apply(model_name, is_file, phase)
    check_not_inputs([("-o", output)], {f"the network file {model_name}": model_name if is_file else None,
                                        f"--config {config_path}": config_path,
                                        f"--samples {samples_path}": samples_path})
    check_suffix(output, [".json"], "JSON")
    _warn_settings_unread(overrides := settings_overrides(settings))  # said before the config is read
    cfg, applied = _priced_config(config_path, overrides)
    phases = [None] if model_name not in DECODERS else ["prefill", "decode"] if phase in (None, "both") else [phase]
    try:
        models = ([_file_model(model_name, samples_path)] if is_file else
                  [get_model(model_name, seq_len=seq_len, phase=p, image_side=image_side) for p in phases])
        if activation_products == "arrays" and all(op.static for m in models for op in m.of_type(MatrixOp)):
            raise click.UsageError(f"--activation-products arrays: {model_name} has no activation x activation "
                                   "product (attention) to put on arrays")
        prices = [price_model(cfg, m, items=items, chips=chips, reload_weights=reload_weights, kv_cache=kv_cache,
                              vector_lanes=vector_lanes or DEFAULT_VECTOR_LANES,
                              sequences=sequences if m.phase == "decode" else 1,
                              activation_products=activation_products) for m in models]
    except ValueError as exc:  # a shape the options ask for: a seq_len too long, too few chips (DoesNotFitError)
        if isinstance(exc, ConfigError):  # the design's (weights beyond baseline.dram_gb): named as the guard does
            raise
        raise click.UsageError(re.sub(r"\b(seq_len|image_side)\b", lambda m: "--" + m[1].replace("_", "-"),
                                      str(exc))) from None  # named as the options are, not the API's arguments
    to_err = is_stdout(output)  # -o /dev/stdout: stdout holds the JSON alone
    if output:  # written before the tables are printed: a reader of stdout that leaves early (| head) loses nothing
        options = {"phase": phase, "seq_len": seq_len, "kv_cache": kv_cache, "chips": chips, "reload_weights":
                   reload_weights, "items": items, "sequences": sequences, "vector_lanes": vector_lanes,
                   "image_side": image_side, "activation_products": activation_products, "samples": samples_path}
        write_atomic(output, to_json({"cimsim_version": cimsim_version(), "config": cfg.name, "settings": overrides,
                                      "options": options, "prices": [p.as_dict() for p in prices]}))
    click.echo("\n".join(m.summary() for m in models), err=to_err)
    click.echo(_placement_line(cfg, applied, prices[0]), err=to_err)
    click.echo(price_table(prices), err=to_err)
    if any(p.energy_gain_range for p in prices):
        click.echo(f"\n{trust.RANGE_NOTE}", err=to_err)
    for p in prices:
        if p.cell_lifetime_s is not None:
            click.echo(f"\n{p.label}: the cells written while it runs wear out in {p.cell_lifetime_s:.3g} s (write "
                       "endurance at this rate; what writes them: the assumptions)", err=to_err)
    if output:
        click.echo(f"\nwrote {output}", err=to_err)


def _placement_line(cfg, overrides: dict, first) -> str:
    """the design and where the first price's weights sit: arrays, tiles (each matrix on whole tiles, which is why
    more chips may be needed than arrays / arrays a chip), chips"""
    changed = " with " + ", ".join(f"{k}={v}" for k, v in overrides.items()) if overrides else ""
    arrays, tiles = (sum(getattr(s, k) for s in first.cim.stages) for k in ("arrays", "tiles"))
    copies = (f"; priced with chip.balance's copies: {arrays} arrays on {tiles} tiles" if (arrays, tiles) != (
        first.arrays, first.tiles) and first.cim.stages else "")  # (they had been unsaid; a probe)
    return (f"on {cfg.name}{changed}: {first.arrays} arrays ({first.cell_utilisation:.1%} of their cells hold a "
            f"weight) on {first.tiles} tiles (each matrix on whole tiles), {first.chips_needed} chip(s) of "
            f"{cfg.chip.tiles} tiles of {cfg.chip.arrays_per_tile} arrays needed{copies}\n")


PRICED_WORKLOAD = ("workload.input_zero_fraction", "workload.weight_zero_fraction")
"""the [workload] fields price-model reads (a standard model's data, where its ops state none)"""


def _read(field: str) -> bool:
    """whether price-model reads a dotted config field (an unknown one is left to the loader, which refuses it)"""
    from .config.keys import DOTTED_FIELDS

    return field not in DOTTED_FIELDS or not (field.startswith("simulation.") or field.startswith("workload.")
                                              and field not in PRICED_WORKLOAD)


def _priced_config(path: str | None, overrides: dict) -> tuple:
    """The config price-model reads and the --set it applied (CONFIG or the rram-default preset), its [workload] but
    PRICED_WORKLOAD left out, from the file and the --set alike: a data file it never opens need not exist (a network
    config away from its data had been refused for its missing network_file, after the warning that it goes
    unread)."""
    from .config import load_config, load_preset, with_overrides
    from .config.keys import as_written
    from .config.presets_merge import dotted_settings
    from .config.toml_file import read_toml
    from .sweep.axis_values import field_error

    overrides = dotted_settings(overrides, str(path or "--set"))  # a table given whole: its fields, as the warning's
    kept = {field: value for field, value in overrides.items() if _read(field)}
    for field, value in overrides.items():  # an unread one is still a value its field takes (on its own)
        if field not in kept and (why := field_error(field, value)) is not None:
            raise click.UsageError(f"--set {field}: '{field}' {why}; got {as_written(value)}")
    if path is None:
        return with_overrides(load_preset("rram-default"), kept) if kept else load_preset("rram-default"), kept
    data = read_toml(path, "config file")
    if isinstance(workload := data.get("workload"), dict):
        data["workload"] = {k: v for k, v in workload.items() if _read(f"workload.{k}")}
        bad = [(f"workload.{k}", f"'workload.{k}' {why}; got {as_written(v)}") for k, v in workload.items()
               if k not in data["workload"] and (why := field_error(f"workload.{k}", v)) is not None]
        if bad:
            raise ConfigError(str(path), bad)
    return load_config(path, kept or None, data=data), kept


def _warn_settings_unread(overrides: dict) -> None:
    """A warning naming each --set (dotted or a table) price-model does not read: its shapes come from MODEL and it
    runs no simulation (a --set workload.in_features had been taken, named in the header, and changed nothing); an
    unknown field is left to the loader, which refuses it (it had been said to go unread first)"""
    from .config.presets_merge import warn_unread_settings

    warn_unread_settings(overrides, lambda field: not _read(field), "price-model",
                         "it prices MODEL's shapes without simulating: of [workload] "
                         f"it reads {' and '.join(PRICED_WORKLOAD)} only, of [simulation] nothing", "--set ")


def _unknown(model_name: str) -> click.UsageError:
    """the error for a MODEL that is neither a standard model nor a .npz / .onnx file: an existing file of another
    format said so (a '.npy' had read as a misspelt model name), else the names it may have meant"""
    from .models import MODEL_NAMES, unknown_model
    from .network.io import torch_hint

    suffix = os.path.splitext(model_name)[1]
    if suffix and os.path.isfile(model_name):
        return click.UsageError(f"{model_name}: unknown network format {suffix!r}; expected .npz or .onnx (or a "
                                f"standard model: {', '.join(MODEL_NAMES)}){torch_hint(suffix)}")
    return click.UsageError(f"{unknown_model(model_name)}, or a .npz / .onnx network file")


def _check_options_apply(model_name: str, is_file: bool, phase: str | None) -> None:
    """A UsageError for an option given that the model would ignore (the user meant it to change something)."""
    from .models import CNN_NAMES, DECODERS

    given = {name for name in ("seq_len", "image_side", "kv_cache", "sequences") if click.get_current_context()
             .get_parameter_source(name) is not click.core.ParameterSource.DEFAULT}
    decoding = model_name in DECODERS and phase != "prefill"
    why = {"seq_len": "a network file has its own input shape" if is_file else None,
           "image_side": None if model_name in CNN_NAMES else f"it is for the CNNs ({', '.join(CNN_NAMES)})",
           "kv_cache": None if model_name in DECODERS else f"it is for decoders ({', '.join(DECODERS)})",
           "sequences": None if decoding else "it is for decoding (a decoder's decode phase)"}
    for name in sorted(given):
        if why[name]:
            raise click.UsageError(f"--{name.replace('_', '-')} does not apply to {model_name}: {why[name]}")


def _file_model(path: str, samples_path: str | None):
    import numpy as np

    from .config.schema import Config
    from .models.from_network import model_from_network
    from .network import load_network
    from .network.datasets import shaped_samples
    from .npfiles import read_npz, refuse_booleans
    from .preflight import check_float_range

    try:
        network = load_network(path)
    except (OSError, ImportError) as exc:
        raise click.UsageError(f"cannot load {path}: {exc}") from None
    if samples_path is None:
        return model_from_network(network, Path(path).stem)
    try:
        samples = read_npz(samples_path, ("x",)).get("x")  # its other members (labels) never decompressed
        if samples is not None:
            refuse_booleans("'x'", samples)
        if samples is None or samples.dtype.kind not in "iuf":
            raise ValueError(f"expected an array 'x' of real numbers (samples x the network's input shape "
                             f"{network.input_shape})")
        if samples.ndim == 0 or samples.shape[0] == 0:  # had priced uniform codes, as without --samples
            raise ValueError(f"'x' holds no sample (shape {samples.shape}); give at least one")
        if math.prod(samples.shape[1:]) == math.prod(network.input_shape):  # laid out as a run lays out a dataset's
            samples = shaped_samples(samples, network.input_shape)  # (other sizes: named by the network's own check)
            check_float_range(Config(), network, np.asarray(samples, dtype=np.float64), network_given=True,
                              inputs_given=True)  # (samples near 1e308 had leaked numpy's overflow warnings: a probe)
        return model_from_network(network, Path(path).stem, samples)
    except (OSError, ValueError) as exc:  # no such file, no x, samples of another shape or not finite
        raise click.UsageError(f"--samples {samples_path}: {exc}") from None
