"""Files the fuzz cases point at: bad weight / input / network / dataset files, and archives built from a spec.

Paths in a case are written with placeholders that the runner replaces: ``@FIX@`` (the fixture folder made by
:func:`make_fixtures`), ``@CASE@`` (the case's own folder, holding the files of its ``files`` spec) and
``@DATA@`` (cimsim's shipped data folder).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DATA_DIR", "SMALL_IN", "SMALL_OUT", "SMALL_VECTORS", "WEIGHT_FIXTURES", "INPUT_FIXTURES",
           "NETWORK_FIXTURES", "DATASET_FIXTURES", "ODD_PATHS", "make_fixtures", "build_file", "substitute"]

DATA_DIR = Path(__file__).resolve().parents[2] / "src" / "cimsim" / "data"
SMALL_IN, SMALL_OUT, SMALL_VECTORS = 64, 32, 16
"""the dense layer of the "small" base configs (the fixtures' weight and input shapes)"""

_LONG_NAME = "a" * 300 + ".npy"  # longer than NAME_MAX (255) on every common file system

ODD_PATHS = [
    "@FIX@/missing.npy", "@FIX@/adir", "@FIX@/adir.npy", "/etc/passwd", "/dev/null", "/dev/zero", "/", ".", "..",
    "@FIX@/" + _LONG_NAME, "@FIX@/" + "d/" * 2100 + "w.npy", "@FIX@/w_ok\x00.npy", "@FIX@/\x00", "@FIX@/w_ok.npy/",
    "@FIX@/w ok.npy", "@FIX@/\u00fc\u00f1\u00ee.npy", "~/w_ok.npy", "@FIX@/w_ok.npy\n", "@FIX@/*.npy",
    "file:///etc/passwd", "https://example.com/w.npy", "@FIX@/unreadable.npy", "@FIX@/link_loop.npy",
]
"""paths that are not an ordinary readable file: missing, a directory, a device, too long, NUL, loops..."""

WEIGHT_FIXTURES = ["w_ok.npy", "w_T.npy", "w_1d.npy", "w_3d.npy", "w_nan.npy", "w_inf.npy", "w_big.npy",
                   "w_tiny.npy", "w_zero.npy", "w_int8.npy", "w_uint64.npy", "w_bool.npy", "w_complex.npy",
                   "w_str.npy", "w_obj.npy", "w_f16.npy", "w_bigendian.npy", "w_fortran.npy", "w_structured.npy",
                   "w_datetime.npy", "w.npz", "w_truncated.npy", "w_badheader.npy", "empty.npy", "empty_arr.npy",
                   "w_scalar.npy", "w_extra_rows.npy", "w_void.npy", "w_f128.npy", "text.npy", "w_ok.npy.gz"]
INPUT_FIXTURES = ["x_ok.npy", "x_short.npy", "x_neg.npy", "x_nan.npy", "x_inf.npy", "x_big.npy", "x_T.npy",
                  "x_zero.npy", "x_int.npy", "x_bool.npy", "x_1d.npy", "x_complex.npy", "x_empty.npy", "w_ok.npy",
                  "w.npz", "empty.npy", "w_obj.npy", "w_truncated.npy"]
NETWORK_FIXTURES = ["net_ok.npz", "net_cnn.npz", "empty.npy", "empty.npz", "net_zip_empty.npz", "net.npy",
                    "net_garbage.npz", "net_garbage.onnx", "net_empty.onnx", "net_noext", "NET_OK.NPZ", "w.npz",
                    "ds_ok.npz", "text.npy", "net_ok.npz.txt"]
DATASET_FIXTURES = ["ds_ok.npz", "ds_noy.npz", "ds_nox.npz", "ds_yfloat.npz", "ds_xnan.npz", "ds_xinf.npz",
                    "ds_xstr.npz", "ds_wrongshape.npz", "ds_ylen.npz", "ds_empty.npz", "ds_yneg.npz", "ds_3d.npz",
                    "ds_ybig.npz", "ds_xobj.npz", "ds_y2d.npz", "ds_xbig.npz", "ds_xcomplex.npz", "ds_xscalar.npz",
                    "empty.npz", "net_ok.npz", "w_ok.npy", "ds_ok.npz.npy"]


def substitute(text: str, fix: str | os.PathLike, case: str | os.PathLike = "") -> str:
    return text.replace("@FIX@", str(fix)).replace("@CASE@", str(case)).replace("@DATA@", str(DATA_DIR))


def _npy_bytes(arr: np.ndarray, **kw) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, **kw)
    return buf.getvalue()


def _npz_bytes(arrays: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _network_arrays(base: str) -> dict[str, np.ndarray]:
    with np.load(DATA_DIR / f"digits_{base}.npz", allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def make_fixtures(folder: str | os.PathLike) -> Path:
    """Write every fixture named above into ``folder`` (created) and return it."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(12)
    o, i, v = SMALL_OUT, SMALL_IN, SMALL_VECTORS
    w = rng.uniform(-1, 1, (o, i))
    x = rng.uniform(-1, 1, (4 * v, i))
    arrays = {
        "w_ok.npy": w, "w_T.npy": w.T.copy(), "w_1d.npy": w.ravel(), "w_3d.npy": w[None],
        "w_nan.npy": np.where(rng.random(w.shape) < 0.1, np.nan, w), "w_inf.npy": np.where(w > 0.9, np.inf, w),
        "w_big.npy": w * 1e308, "w_tiny.npy": w * 1e-320, "w_zero.npy": np.zeros_like(w),
        "w_int8.npy": np.full(w.shape, -128, np.int8), "w_uint64.npy": np.full(w.shape, 2**64 - 1, np.uint64),
        "w_bool.npy": w > 0, "w_complex.npy": w * (1 + 1j), "w_str.npy": w.astype(str),
        "w_f16.npy": w.astype(np.float16), "w_bigendian.npy": w.astype(">f8"),
        "w_fortran.npy": np.asfortranarray(w), "w_structured.npy": np.zeros(w.shape, dtype=[("a", "f8")]),
        "w_datetime.npy": np.zeros(w.shape, dtype="M8[s]"), "empty_arr.npy": np.zeros((0, 0)),
        "w_scalar.npy": np.float64(1.0), "w_extra_rows.npy": np.vstack([w, w]), "w_void.npy": np.zeros(w.shape, "V8"),
        "w_f128.npy": w.astype(np.longdouble),
        "x_ok.npy": x, "x_short.npy": x[:3], "x_neg.npy": -np.abs(x), "x_nan.npy": np.where(x > 0.95, np.nan, x),
        "x_inf.npy": np.where(x > 0.95, -np.inf, x), "x_big.npy": x * 1e308, "x_T.npy": x.T.copy(),
        "x_zero.npy": np.zeros_like(x), "x_int.npy": (x * 100).astype(np.int64), "x_bool.npy": x > 0,
        "x_1d.npy": x.ravel(), "x_complex.npy": x.astype(complex), "x_empty.npy": np.zeros((0, i)),
    }
    for name, arr in arrays.items():
        (d / name).write_bytes(_npy_bytes(np.asarray(arr)))
    (d / "w_obj.npy").write_bytes(_npy_bytes(np.array([[None, 1]] * 2, dtype=object), allow_pickle=True))
    (d / "w.npz").write_bytes(_npz_bytes({"w": w}))
    ok = (d / "w_ok.npy").read_bytes()
    (d / "w_truncated.npy").write_bytes(ok[: len(ok) // 2])
    (d / "w_badheader.npy").write_bytes(b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f8', 'fortran_order': Fa\n" + b"\0" * 64)
    (d / "empty.npy").write_bytes(b"")
    (d / "empty.npz").write_bytes(b"")
    (d / "text.npy").write_text("1,2,3\n4,5,6\n")
    (d / "w_ok.npy.gz").write_bytes(b"\x1f\x8b\x08\x00" + ok[:100])
    (d / "adir").mkdir(exist_ok=True)
    (d / "adir.npy").mkdir(exist_ok=True)
    unreadable = d / "unreadable.npy"
    unreadable.write_bytes(ok)
    unreadable.chmod(0)
    loop = d / "link_loop.npy"
    if not loop.is_symlink():
        loop.symlink_to(loop)

    # networks
    mlp = _network_arrays("mlp")
    (d / "net_ok.npz").write_bytes(_npz_bytes(mlp))
    (d / "net_cnn.npz").write_bytes(_npz_bytes(_network_arrays("cnn")))
    (d / "NET_OK.NPZ").write_bytes(_npz_bytes(mlp))
    (d / "net_noext").write_bytes(_npz_bytes(mlp))
    (d / "net_ok.npz.txt").write_bytes(_npz_bytes(mlp))
    (d / "net_zip_empty.npz").write_bytes(_npz_bytes({}))
    (d / "net.npy").write_bytes(_npy_bytes(mlp["layer0.weight"]))
    (d / "net_garbage.npz").write_bytes(b"PK\x03\x04" + bytes(rng.integers(0, 256, 200, dtype=np.uint8)))
    (d / "net_garbage.onnx").write_bytes(bytes(rng.integers(0, 256, 300, dtype=np.uint8)))
    (d / "net_empty.onnx").write_bytes(b"")

    # datasets (the MLP takes 64 inputs per sample, 10 classes)
    xs = rng.uniform(0, 1, (20, 64))
    ys = rng.integers(0, 10, 20)
    datasets = {
        "ds_ok.npz": {"x": xs, "y": ys}, "ds_noy.npz": {"x": xs}, "ds_nox.npz": {"y": ys},
        "ds_yfloat.npz": {"x": xs, "y": ys + 0.5}, "ds_xnan.npz": {"x": np.where(xs > 0.9, np.nan, xs), "y": ys},
        "ds_xinf.npz": {"x": np.where(xs > 0.9, np.inf, xs), "y": ys},
        "ds_xstr.npz": {"x": xs.astype(str), "y": ys}, "ds_wrongshape.npz": {"x": xs[:, :63], "y": ys},
        "ds_ylen.npz": {"x": xs, "y": ys[:5]}, "ds_empty.npz": {"x": xs[:0], "y": ys[:0]},
        "ds_yneg.npz": {"x": xs, "y": ys - 100}, "ds_3d.npz": {"x": xs.reshape(20, 8, 8), "y": ys},
        "ds_ybig.npz": {"x": xs, "y": ys + 2**62}, "ds_y2d.npz": {"x": xs, "y": ys[:, None]},
        "ds_xbig.npz": {"x": xs * 1e308, "y": ys}, "ds_xcomplex.npz": {"x": xs * 1j, "y": ys},
        "ds_xscalar.npz": {"x": np.float64(1.0), "y": np.int64(1)},
    }
    for name, arrs in datasets.items():
        (d / name).write_bytes(_npz_bytes(arrs))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x.npy", _npy_bytes(np.array([None, 1], dtype=object), allow_pickle=True))
        zf.writestr("y.npy", _npy_bytes(ys))
    (d / "ds_xobj.npz").write_bytes(buf.getvalue())
    (d / "ds_ok.npz.npy").write_bytes(_npz_bytes(datasets["ds_ok.npz"]))
    return d


def _architecture(arrays: dict[str, np.ndarray]) -> list:
    return json.loads(str(arrays["architecture"]))


def build_file(spec: dict[str, Any]) -> bytes:
    """The bytes of a file described by a JSON-able ``spec``.

    - ``{"type": "network", "base": "mlp"|"cnn", "ops": [...]}``: a shipped network .npz with ``ops`` applied, each
      ``["input_shape", value]``, ``["format", text]``, ``["architecture_text", text]``, ``["kind", k, kind]``,
      ``["param", k, name, value]``, ``["drop_layer", k]``, ``["array", name, how]`` (how: nan, inf, zero, empty,
      transpose, 1d, int, complex, str, drop, huge), ``["inputs", k, value]``;
    - ``{"type": "dataset", "x": how, "y": how, "n": samples, "features": f}``: an .npz of x and y;
    - ``{"type": "npy", "shape": [...], "dtype": str, "fill": float|"nan"|"inf"|"rand"}``;
    - ``{"type": "bytes", "hex": "..."}``.
    """
    kind = spec["type"]
    if kind == "bytes":
        return bytes.fromhex(spec["hex"])
    if kind == "npy":
        fill = spec.get("fill", "rand")
        shape = tuple(spec["shape"])
        arr = (np.random.default_rng(0).uniform(-1, 1, shape) if fill == "rand" else np.full(shape, float(fill)))
        return _npy_bytes(arr.astype(spec.get("dtype", "f8")))
    if kind == "dataset":
        rng = np.random.default_rng(1)
        n, f = spec.get("n", 20), spec.get("features", 64)
        out = {}
        for name, how in (("x", spec.get("x", "ok")), ("y", spec.get("y", "ok"))):
            base = rng.uniform(0, 1, (n, f)) if name == "x" else rng.integers(0, 10, n)
            if how == "drop":
                continue
            out[name] = _mutate_array(base, how)
        return _npz_bytes(out)
    if kind == "network":
        arrays = _network_arrays(spec.get("base", "mlp"))
        arch = _architecture(arrays)
        arch_text = None
        for op in spec.get("ops", []):
            name = op[0]
            if name == "input_shape":
                try:
                    arrays["input_shape"] = np.array(op[1])
                except (ValueError, TypeError):
                    arrays["input_shape"] = np.array(str(op[1]))
            elif name == "format":
                arrays["format"] = np.array(op[1])
            elif name == "architecture_text":
                arch_text = op[1]
            elif name == "kind" and arch:
                arch[op[1] % len(arch)]["kind"] = op[2]
            elif name == "param" and arch:
                arch[op[1] % len(arch)][op[2]] = op[3]
            elif name == "inputs" and arch:
                arch[op[1] % len(arch)]["inputs"] = op[2]
            elif name == "drop_layer" and arch:
                arch.pop(op[1] % len(arch))
            elif name == "array":
                keys = sorted(k for k in arrays if k.startswith("layer"))
                target = op[1] if op[1] in arrays else keys[hash(op[1]) % len(keys)] if keys else None
                if target is not None:
                    if op[2] == "drop":
                        arrays.pop(target)
                    else:
                        arrays[target] = _mutate_array(arrays[target], op[2])
            elif name == "extra":
                arrays[op[1]] = np.asarray(op[2])
        arrays["architecture"] = np.array(arch_text if arch_text is not None else json.dumps(arch))
        return _npz_bytes(arrays)
    raise ValueError(f"unknown file spec type {kind!r}")


def _mutate_array(a: np.ndarray, how: str) -> np.ndarray:
    a = np.asarray(a)
    if how == "ok":
        return a
    if a.dtype.kind not in "biufc" and how not in ("empty", "str", "scalar", "1d", "extra_dim", "short", "transpose"):
        return np.float64(1.0)  # a numeric mutation of a text entry (format, architecture): a number instead
    if how == "nan":
        return np.where(np.arange(a.size).reshape(a.shape) % 7 == 0, np.nan, a.astype(float)) if a.size else a
    if how == "inf":
        return np.full(a.shape, np.inf)
    if how == "huge":
        return a.astype(float) * 1e308
    if how == "zero":
        return np.zeros_like(a)
    if how == "empty":
        return a.reshape(-1)[:0] if a.ndim == 0 else a[:0]  # a scalar entry (a 0-d array) empties to shape (0,)
    if how == "transpose":
        return a.T.copy()
    if how == "1d":
        return a.ravel()
    if how == "int":
        return (a * 100).astype(np.int64)
    if how == "float":
        return a.astype(float) + 0.5
    if how == "complex":
        return a.astype(complex) * 1j
    if how == "str":
        return a.astype(str)
    if how == "bool":
        return a != 0
    if how == "extra_dim":
        return a[..., None]
    if how == "scalar":
        return np.float64(1.0)
    if how == "short":
        return a[: max(1, len(a) // 2)] if a.ndim else a
    if how == "negative":
        return -np.abs(a.astype(float)) - 1
    raise ValueError(f"unknown array mutation {how!r}")
