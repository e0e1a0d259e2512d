"""Networks on disk: cimsim's .npz format (read and write) and ONNX models (read, with the onnx extra).

The .npz format (version 1), one file written by :func:`save_network`:

- ``format``: the string "cimsim-network-1";
- ``architecture``: a JSON string, a list with one object per layer in order, ``{"kind": ..., params}``:
  ``{"kind": "dense"}``, ``{"kind": "conv2d", "stride": [sh, sw], "padding": [ph, pw]}``, ``{"kind": "relu"}``,
  ``{"kind": "maxpool2d" | "avgpool2d", "kernel": [kh, kw], "stride": [sh, sw]}``, ``{"kind": "flatten"}``;
- ``input_shape``: int array, the per-sample input shape (no batch), e.g. [64] or [1, 8, 8];
- ``layer{k}.weight`` and ``layer{k}.bias`` for each matrix layer, k its position in ``architecture``
  (Dense weight (out, in), Conv2d weight (out_ch, in_ch, kh, kw), bias (out,); no bias array: no bias);
- any other arrays (e.g. ``float_accuracy``) are extras, kept for the reader and ignored by the loader.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

import numpy as np

from .layers import AvgPool2d, Conv2d, Dense, Flatten, Layer, MatrixLayer, MaxPool2d, ReLU
from .model import Network

__all__ = ["FORMAT", "LAYER_KINDS", "load_network", "save_network"]

FORMAT = "cimsim-network-1"
"""value of the ``format`` entry of a network .npz"""

LAYER_KINDS: dict[str, type[Layer]] = {cls.kind: cls for cls in (Dense, Conv2d, ReLU, MaxPool2d, AvgPool2d, Flatten)}
"""architecture ``kind`` -> layer class"""

_ARRAY_FIELDS = ("weight", "bias")


def load_network(path: str | os.PathLike) -> Network:
    """The network in ``path``: a cimsim .npz (module doc) or an ONNX model (.onnx, needs the onnx extra)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _load_npz(path)
    if suffix == ".onnx":
        from .onnx_import import load_onnx

        return load_onnx(path)
    raise ValueError(f"{path}: unknown network format {suffix!r}; expected .npz or .onnx")


def save_network(network: Network, path: str | os.PathLike, extras: Mapping[str, np.ndarray] | None = None) -> None:
    """Write ``network`` to ``path`` (.npz, compressed), with optional ``extras`` arrays stored beside it."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        raise ValueError(f"save_network writes .npz files; got {path}")
    arrays: dict[str, np.ndarray] = {}
    architecture = []
    for k, layer in enumerate(network.layers):
        params = {"kind": layer.kind}
        for f in fields(layer):
            value = getattr(layer, f.name)
            if f.name in _ARRAY_FIELDS:
                if value is not None:
                    arrays[f"layer{k}.{f.name}"] = value
            else:
                params[f.name] = list(value)
        architecture.append(params)
    arrays.update(format=np.array(FORMAT), architecture=np.array(json.dumps(architecture)),
                  input_shape=np.array(network.input_shape, dtype=np.int64))
    for name, value in (extras or {}).items():
        if name in arrays:
            raise ValueError(f"extra array {name!r} would overwrite the network's own entry of that name")
        arrays[name] = np.asarray(value)
    np.savez_compressed(path, **arrays)


def _load_npz(path: Path) -> Network:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read as a .npz archive ({exc})") from None
    for name in ("format", "architecture", "input_shape"):
        if name not in arrays:
            raise ValueError(f"{path}: not a cimsim network (no {name!r} entry; see cimsim.network.io)")
    if str(arrays["format"]) != FORMAT:
        raise ValueError(f"{path}: format {str(arrays['format'])!r} is not supported; expected {FORMAT!r}")
    try:
        architecture = json.loads(str(arrays["architecture"]))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: 'architecture' is not valid JSON ({exc})") from None
    if not isinstance(architecture, list) or not all(isinstance(p, dict) for p in architecture):
        raise ValueError(f"{path}: 'architecture' must be a JSON list of layer objects")
    layers = [_layer(path, k, dict(params), arrays) for k, params in enumerate(architecture)]
    try:
        return Network(tuple(layers), tuple(int(s) for s in np.atleast_1d(arrays["input_shape"])))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _layer(path: Path, k: int, params: dict, arrays: Mapping[str, np.ndarray]) -> Layer:
    kind = params.pop("kind", None)
    if kind not in LAYER_KINDS:
        raise ValueError(f"{path}: layer {k} has unknown kind {kind!r}; known: {', '.join(LAYER_KINDS)}")
    cls = LAYER_KINDS[kind]
    if issubclass(cls, MatrixLayer):
        if f"layer{k}.weight" not in arrays:
            raise ValueError(f"{path}: layer {k} ({kind}) has no 'layer{k}.weight' array")
        params.update(weight=arrays[f"layer{k}.weight"], bias=arrays.get(f"layer{k}.bias"))
    try:
        return cls(**params)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: layer {k} ({kind}): {exc}") from None
