"""Networks on disk: cimsim's .npz format (read and write) and ONNX models (read, with the onnx extra).

The .npz format (version 2; version 1, a chain without ``inputs`` and ``names``, is still read), one file
written by :func:`save_network`:

- ``format``: the string "cimsim-network-2";
- ``architecture``: a JSON string, a list with one object per layer in order: ``{"kind": ..., "inputs": [...],
  "name": ..., params}``, the layer's scalar and tuple fields as JSON (e.g. ``{"kind": "conv2d", "stride":
  [1, 1], "padding": [1, 1, 1, 1], "dilation": [1, 1], "groups": 1}``), ``inputs`` the values it reads (0: the
  network input, j + 1: layer j's output; left out: the previous value) and ``name`` its name (optional); a
  matrix layer that is an earlier layer again (weight sharing) is ``{"kind": ..., "inputs": [...], "name": ...,
  "shares": j}``, j that layer's position, with no arrays of its own; one that reads an earlier layer's matrix
  with a bias or geometry of its own has its own fields and arrays but no ``weight``, and ``"weight_of": j``;
  an array field that holds an earlier layer's array (one bias or norm read at several places) is not stored
  again: ``"same_as": {field: [j, field of layer j]}``;
- ``input_shape``: int array, the per-sample input shape (no batch), e.g. [64] or [1, 8, 8];
- ``layer{k}.{field}`` for each array field of layer k (Dense / Conv2d ``weight`` and ``bias``, Affine
  ``scale`` and ``shift``, LayerNorm ``weight`` and ``bias``), numbers, not booleans; no array: the field is None;
  one no layer reads (no layer k, a field its kind lacks or its ``shares`` / ``weight_of`` / ``same_as`` gives) is
  refused, named;
- any other arrays (e.g. ``float_accuracy``) are extras, kept for the reader, ignored and never decompressed by
  the loader.

A key given twice in one object of ``architecture`` is refused (JSON would keep the last).

Kinds: ``LAYER_KINDS``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import MISSING, fields
from pathlib import Path

import numpy as np

from ..atomic import write_atomic_with
from ..argcheck import check_file_path, check_path, shown
from ..numerics.checks import as_array
from ..npfiles import read_npz, refuse_booleans
from .conv3d import Conv3d
from .layers import Conv2d, Dense, Layer, MatrixLayer
from .model import Network
from .indexing import PutAlong, TakeAlong
from .movement import Concat, Constant, Dilate, Flatten, JoinConstant, Pad, Reshape, Slice, Transpose, Upsample
from .ops import ActivationMatMul, Affine, ArgMax, Clip, Elementwise, Max, Mean, ReLU, Softmax, Unary
from .norms import LayerNorm, RMSNorm
from .pooling import AvgPool2d, GlobalAvgPool2d, MaxPool2d
from .sampling import GridSample
from .selection import Select, TopK
from .tables import Embedding, Interpolate, Scatter

__all__ = ["FORMAT", "LAYER_KINDS", "load_network", "save_network", "torch_hint"]

FORMAT = "cimsim-network-2"
"""value of the ``format`` entry of a network .npz written now"""

_READABLE = ("cimsim-network-1", FORMAT)
_ENTRIES = ("format", "architecture", "input_shape")
_LAYER_ARRAY = re.compile(r"layer(\d+)\.(.+)", re.DOTALL)
"""a layer's array entry: layer{k}.{field}"""

LAYER_KINDS: dict[str, type[Layer]] = {cls.kind: cls for cls in (
    Dense, Conv2d, ReLU, Unary, Clip, Affine, Elementwise, Concat, JoinConstant, Slice, Reshape, Transpose, Flatten,
    Pad, Softmax, LayerNorm, Mean, Max, ActivationMatMul, MaxPool2d, AvgPool2d, GlobalAvgPool2d, Upsample, Dilate,
    Interpolate, Embedding, Scatter, Conv3d, ArgMax, GridSample, RMSNorm, TopK, TakeAlong, PutAlong,
    Constant, Select)}
"""architecture ``kind`` -> layer class"""


def load_network(path: str | os.PathLike) -> Network:
    """The network in ``path``: a cimsim .npz (module doc) or an ONNX model (.onnx, needs the onnx extra)."""
    path = Path(check_path("network path", path))
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _load_npz(path)
    if suffix == ".onnx":
        from .onnx_import import load_onnx

        return load_onnx(path)
    raise ValueError(f"{path}: unknown network format {suffix!r}; expected .npz or .onnx{torch_hint(suffix)}")


def torch_hint(suffix: str) -> str:
    """how to bring a torch model saved as a file of ``suffix`` (``.pt``, ``.pth``, ...), where it is one, else ''"""
    return ("; a torch model: import it with cimsim.network.from_torch(model, example) and save_network it as .npz, "
            "or export it with torch.onnx.export") * (suffix.lower() in (".pt", ".pth", ".ckpt", ".bin",
                                                              ".safetensors"))


def save_network(network: Network, path: str | os.PathLike, extras: Mapping[str, np.ndarray] | None = None) -> None:
    """Write ``network`` to ``path`` (.npz, compressed), with optional ``extras`` arrays stored beside it, through a
    temporary file and a rename (:func:`cimsim.atomic.write_atomic_with`: its missing folders made, a pipe written
    through): an interrupted save leaves the file that was there, never a truncated one."""
    if not isinstance(network, Network):
        swapped = " (the arguments swapped? save_network(network, path))" if isinstance(path, Network) else ""
        raise TypeError(f"save_network needs a cimsim Network; got {type(network).__name__}{swapped}")
    path = Path(check_file_path("network path", path))
    if path.suffix.lower() != ".npz":
        raise ValueError(f"save_network writes .npz files; got {path}")
    arrays: dict[str, np.ndarray] = {}
    architecture, first, matrices, saved = [], {}, {}, {}
    for k, (layer, reads, name, index) in enumerate(zip(network.layers, network.inputs, network.names,
                                                        network.matrix_indices())):
        params = {"kind": layer.kind, "inputs": list(reads), "name": name}
        if isinstance(layer, MatrixLayer) and id(layer) in first:  # a shared matrix: its first place holds it
            architecture.append(dict(params, shares=first[id(layer)]))
            continue
        first[id(layer)] = k
        if index in matrices:  # another place's matrix, a bias or geometry of its own
            params["weight_of"] = matrices[index]
        elif index is not None:
            matrices[index] = k
        for f in fields(layer):
            value = getattr(layer, f.name)
            if "weight_of" in params and f.name == "weight":
                continue
            if isinstance(value, np.ndarray) and id(value) in saved:  # an earlier layer's array: one array again
                params.setdefault("same_as", {})[f.name] = saved[id(value)]
            elif isinstance(value, np.ndarray):
                arrays[f"layer{k}.{f.name}"], saved[id(value)] = value, [k, f.name]
            elif value is not None:
                params[f.name] = list(value) if isinstance(value, tuple) else value
        architecture.append(params)
    arrays.update(format=np.array(FORMAT), architecture=np.array(json.dumps(architecture)),
                  input_shape=np.array(network.input_shape, dtype=np.int64))
    arrays.update(_checked_extras(extras, arrays))
    write_atomic_with(path, lambda f: np.savez_compressed(f, **arrays))


def _checked_extras(extras, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``extras`` (a mapping of names to arrays, or None) as arrays, or a ValueError naming extras: a name that is not
    a non-empty str, one of the network's own entries (``arrays``) or of np.savez's arguments, an object array"""
    if extras is None:
        return {}
    if not isinstance(extras, Mapping):
        raise ValueError(f"extras must be a dict of name -> array or None; got {type(extras).__name__}")
    checked = {}
    for name, value in extras.items():
        if not isinstance(name, str) or not name or name in ("file", "allow_pickle") or _LAYER_ARRAY.fullmatch(name):
            raise ValueError(f"extras names must be non-empty strings other than 'file' and 'allow_pickle' "
                             f"(np.savez's arguments) and layer{{k}}.{{field}} (a layer's array); got {shown(name)}")
        if name in arrays:
            raise ValueError(f"extras array {name!r} would overwrite the network's own entry of that name")
        checked[name] = as_array(f"extras[{name!r}]", value)
        if checked[name].dtype.hasobject:
            raise ValueError(f"extras[{name!r}] must be an array of numbers or strings (a file a loader can read "
                             f"without pickles); got dtype {checked[name].dtype}")
    return checked


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """a JSON object's pairs as a dict, or a ValueError naming a key given twice (json.loads keeps the last)"""
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"'architecture' gives the key {key[:60]!r} twice in one object (JSON keeps the last, "
                             "a layer of another kind or field); give each key once")
    return dict(pairs)


LAYER_INT_DIGITS = 30
"""most digits of an integer in 'architecture' (sizes, axes, indices have a few; a longer one had been echoed whole
in a layer's message, or past Python's 4300-digit limit got its message, naming no file)"""


def _layer_int(text: str) -> int:
    """a JSON integer of 'architecture', or a ValueError when it has more than LAYER_INT_DIGITS digits"""
    if len(digits := text.lstrip("-")) > LAYER_INT_DIGITS:
        raise ValueError(f"'architecture' holds a number too long to be a layer parameter ({len(digits)} digits); a "
                         "size, axis or index has a few digits")
    return int(text)


def _load_npz(path: Path) -> Network:
    arrays = read_npz(path, lambda name: name in _ENTRIES or _LAYER_ARRAY.fullmatch(name) is not None)
    for name in _ENTRIES:
        if name not in arrays:
            raise ValueError(f"{path}: not a cimsim network (no {name!r} entry; see cimsim.network.io)")
    if str(arrays["format"]) not in _READABLE:
        raise ValueError(f"{path}: format {str(arrays['format'])!r} is not supported; expected one of "
                         f"{', '.join(_READABLE)}")
    try:
        architecture = json.loads(str(arrays["architecture"]), object_pairs_hook=_unique_keys, parse_int=_layer_int)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{path}: 'architecture' is not valid JSON ({type(exc).__name__})") from None
    except ValueError as exc:  # a key given twice, or an integer too long (the hooks' own messages)
        raise ValueError(f"{path}: {exc}") from None
    if not isinstance(architecture, list) or not all(isinstance(p, dict) for p in architecture):
        raise ValueError(f"{path}: 'architecture' must be a JSON list of layer objects")
    params = [dict(p) for p in architecture]
    try:
        inputs = tuple(tuple(p.pop("inputs", [k])) for k, p in enumerate(params))
    except TypeError:
        raise ValueError(f"{path}: a layer's 'inputs' must be a list of value numbers") from None
    names = tuple(str(p.pop("name", f"layer{k}")) for k, p in enumerate(params))
    layers, used = [], set()
    for k, p in enumerate(params):
        if "weight_of" in p:
            p["weight"] = _shared(path, k, p, layers, "weight_of").weight
        p.update(_same_as(path, k, p.pop("same_as", {}), layers))
        layers.append(_shared(path, k, p, layers, "shares") if "shares" in p else _layer(path, k, p, arrays, used))
    _refuse_unread(path, [name for name in arrays if name not in _ENTRIES and name not in used], layers)
    shape = np.atleast_1d(arrays["input_shape"])
    if shape.dtype.kind not in "iu":
        raise ValueError(f"{path}: 'input_shape' must hold integers; got {shown(shape.tolist(), 80)}")
    if shape.ndim != 1 or not shape.size or (shape <= 0).any():  # numpy's own error had named no entry
        raise ValueError(f"{path}: 'input_shape' must be a 1-d list of positive integers, the per-sample input shape "
                         f"(e.g. [64] or [1, 8, 8]); got {shown(shape.tolist(), 80)}")
    try:
        return Network(tuple(layers), tuple(int(s) for s in shape), inputs, names)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def _shared(path: Path, k: int, params: dict, layers: list[Layer], key: str) -> Layer:
    """The earlier layer whose matrix layer k of a saved network reads (weight sharing): ``params[key]`` (shares:
    that layer again; weight_of: its weight, popped from ``params``)"""
    j = params.pop(key) if key == "weight_of" else params[key]
    if not (isinstance(j, int) and 0 <= j < k and isinstance(layers[j], MatrixLayer)
            and layers[j].kind == params.get("kind")):
        raise ValueError(f"{path}: layer {k} {key} {j!r}, which is not an earlier matrix layer of its kind")
    return layers[j]


def _same_as(path: Path, k: int, refs, layers: list[Layer]) -> dict[str, np.ndarray]:
    """field -> the earlier layer's array that layer k of a saved network holds again (``refs``: its "same_as")"""
    if not isinstance(refs, dict):
        raise ValueError(f"{path}: layer {k} 'same_as' must be an object of field: [layer, field]")
    out = {}
    for name, ref in refs.items():
        j, field = ref if isinstance(ref, list) and len(ref) == 2 else (None, None)
        known = type(j) is int and 0 <= j < k and isinstance(field, str)
        value = getattr(layers[j], field, None) if known else None
        if not isinstance(value, np.ndarray):
            raise ValueError(f"{path}: layer {k} 'same_as' {name!r}: {ref!r} is not an array of an earlier layer")
        out[name] = value
    return out


def _refuse_unread(path: Path, unread: list[str], layers: list[Layer]) -> None:
    """a ValueError naming the first layer array no layer read (a misspelt field, no such layer, a field the
    architecture gives otherwise): it had been ignored without a word"""
    for name in unread:
        k = int(_LAYER_ARRAY.fullmatch(name)[1])
        why = (f"there is no layer {k} ({len(layers)} layers)" if k >= len(layers) else
               f"layer {k} ({layers[k].kind}) reads no such array: a field its kind lacks, or one the architecture "
               "gives otherwise ('shares', 'weight_of', 'same_as' or a value)")
        raise ValueError(f"{path}: no layer reads the array {name[:80]!r}: {why}")


def _layer(path: Path, k: int, params: dict, arrays: Mapping[str, np.ndarray], used: set[str]) -> Layer:
    """layer k of a saved network from its ``params`` and its arrays in ``arrays`` (their names added to ``used``)"""
    kind = params.pop("kind", None)
    if not isinstance(kind, str) or kind not in LAYER_KINDS:
        raise ValueError(f"{path}: layer {k} has unknown kind {str(kind)[:60]!r}; known: {', '.join(LAYER_KINDS)}")
    cls = LAYER_KINDS[kind]
    known = [f.name for f in fields(cls) if f.init]
    if unknown := [key for key in params if key not in known]:  # else the class's own TypeError, as Python says it
        raise ValueError(f"{path}: layer {k} ({kind}): unknown parameter {unknown[0][:60]!r}; known: "
                         f"{', '.join(known) or 'none'}")
    for f in fields(cls):
        if (name := f"layer{k}.{f.name}") in arrays and f.name not in params:
            refuse_booleans(f"{path}: {name!r}", arrays[name])
            params[f.name] = arrays[name]
            used.add(name)
        elif f.name not in params and f.default is MISSING:
            where = f"a 'layer{k}.{f.name}' array" if "ndarray" in str(f.type) else f"a {f.name!r} entry"
            raise ValueError(f"{path}: layer {k} ({kind}) needs {where}")
    try:
        return cls(**params)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: layer {k} ({kind}): {exc}") from None
