"""Hypothesis strategies for cimsim's inputs; every strategy draws a *case* (a picklable dict, see runner).

Categories (``CATEGORIES``):

- ``schema_toml``: a TOML file from a base config (shipped config, preset or empty) with 1-4 fields of any section
  set to a value from :func:`field_values` (valid, boundary, wrong type, huge int, NaN/inf, negative, empty or very
  long or unicode string, deeply nested array, date, raw TOML token);
- ``schema_dict``: the same through ``config_from_dict`` with Python values TOML cannot hold (None, numpy scalars,
  tuples, bytes, Decimal, Fraction, complex, sets, objects);
- ``keys``: unknown, wrong-case, unicode and empty keys, tables that are values, arrays of tables, nested tables,
  presets that do not exist;
- ``file_mutation``: text mutations of the shipped configs and presets (delete / duplicate / rename keys and
  tables, swap types, truncate, garbage bytes, broken syntax, BOM, CRLF);
- ``data_files``: ``workload.weights_file`` / ``inputs_file`` / ``network_file`` / ``dataset_file`` pointing at bad
  files (missing, a directory, /etc/passwd, empty .npy, .npz for .npy, wrong shape or dtype, NaN, too-long name, NUL);
- ``network_files``: network and dataset archives mutated from the shipped digits networks (input_shape [64.5],
  unknown layer kinds, bad parameters, NaN or mis-shaped weights, bad labels);
- ``overrides``: ``with_overrides(cfg, {...})`` with numpy ints and floats, huge ints, None, bools, odd keys;
- ``api``: ``Crossbar(None)``, ``Crossbar(cfg, 2**40, 32)``, ``calibrate(x, percentile=200)``, ``mvm`` / ``program``
  / ``calibrate`` with masked, NaN, empty, complex, mis-shaped arrays, ``load_network``, ``load_config`` of odd paths,
  ``simulate_network`` with odd inputs and labels;
- ``sweep_specs``: sweep specs with odd axes, modes, samples and seeds;
- ``macro_files``: a user's file of measured macros (``cimsim macros FILE``), one shipped entry with lines set to odd
  values, deleted, added, or a stray operating point.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
import re
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from cimsim.config.rules import Choice, Float, Int, OptionalFloat, OptionalInt, Text
from cimsim.config.schema import SECTIONS

from . import files, tomlw
from .tomlw import Raw, dumps

__all__ = ["CATEGORIES", "BASES", "SECTION_FIELDS", "field_values", "case", "cases_of"]

REPO = Path(__file__).resolve().parents[2]
SECTION_FIELDS = {s: {f.name: f.metadata["rule"] for f in dataclasses.fields(cls)} for s, cls in SECTIONS.items()}
FILE_FIELDS = ("weights_file", "inputs_file", "network_file", "dataset_file")

HUGE_INTS = [10**400, -10**400, 2**63, 2**63 - 1, -2**63, 2**64, 2**1000, 2**53 + 1, 2**31, 2**32]
ODD_FLOATS = [math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 1e-308]
ODD_STRINGS = ["", " ", "\t\n", "\x00", "x" * 100_000, "\u03c1\u2248\U0001f642", "\u202e", "\ufeff", "NaN", "inf",
               "8", "0x10", "true", "null", "None", "\u0661\u0662", "\uff18", "a\nb", "'", '"', "\\", "{}", "[]",
               "../../../../etc/passwd", "C:\\Windows", "\U0001d7d6"]
RAW_TOKENS = ["1_000", "0x10", "0o17", "0b101", "+8", "-0", "1e400", "-1e400", "1e-400", "+inf", "-nan", "08",
              "1__0", "0x", "1.", ".5", "1e", "--1", "0xFFFFFFFFFFFFFFFFFFFF", "99999999999999999999999999",
              "1979-05-27T07:32:00Z", "07:32:00", "1979-05-27", "'literal'", "'''multi\nline'''", '"""x"""', "[,]",
              "{a = 1,}", "[1, 'a', 2.0]", "true false", "=", ""]


def _nested(depth: int, leaf: Any = 1):
    v: Any = leaf
    for _ in range(depth):
        v = [v]
    return v


def _nested_raw(depth: int) -> Raw:
    return Raw("[" * depth + "1" + "]" * depth)


# ---- values ----------------------------------------------------------------------------------------------

def junk_values(toml: bool = True) -> st.SearchStrategy:
    """Values of the wrong type for any field."""
    options = [
        st.booleans(), st.sampled_from(ODD_STRINGS), st.text(max_size=12),
        st.lists(st.integers(-3, 300), max_size=3), st.lists(st.text(max_size=3), max_size=2),
        st.integers(1, 40).map(_nested), st.just({}), st.dictionaries(st.sampled_from(["a", "bits", "x"]),
                                                                        st.integers(0, 9), max_size=2),
        st.sampled_from(HUGE_INTS), st.sampled_from(ODD_FLOATS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-10**6, 10**6),
    ]
    if toml:
        options += [st.sampled_from(RAW_TOKENS).map(Raw), st.sampled_from([50, 500, 3000, 100_000]).map(_nested_raw),
                    st.dates(), st.datetimes(), st.times()]
    else:
        options += [st.none(), _numpy_values(), st.sampled_from([(), (1,), b"8", bytearray(b"x"), 1 + 2j, {1, 2},
                                                                frozenset(), object(), Ellipsis, NotImplemented]),
                    st.sampled_from(["decimal", "fraction", "intenum", "floatsub", "strsub"]).map(_odd_number),
                    st.integers(1, 400).map(_nested)]
    return st.one_of(options)


def _numpy_values() -> st.SearchStrategy:
    import numpy as np

    return st.one_of(
        st.tuples(st.sampled_from(["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]),
                  st.integers(0, 127)).map(lambda t: np.dtype(t[0]).type(t[1])),
        st.tuples(st.sampled_from(["float16", "float32", "float64", "longdouble"]),
                  st.sampled_from([0.5, 1.0, 8.0, 99.0, 99.99, 256.0, math.nan, math.inf, 1e30])).map(
            lambda t: np.dtype(t[0]).type(t[1])),
        st.sampled_from([np.bool_(True), np.str_("sar"), np.str_("8"), np.array(8), np.array([8]), np.int64(-1),
                         np.uint64(2**64 - 1), np.float64("nan")]),
    )


class _IntEnumLike(int):
    pass


class _FloatSub(float):
    def __repr__(self):
        return f"_FloatSub({float(self)!r})"


class _StrSub(str):
    pass


def _odd_number(kind: str):
    import decimal
    import fractions

    return {"decimal": decimal.Decimal("8"), "fraction": fractions.Fraction(17, 2), "intenum": _IntEnumLike(8),
            "floatsub": _FloatSub(99.0), "strsub": _StrSub("sar")}[kind]


def valid_values(rule) -> st.SearchStrategy:
    if isinstance(rule, Choice):
        return st.sampled_from(rule.names)
    if isinstance(rule, Text):
        return st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
    if isinstance(rule, Int):
        low = rule.low if rule.low is not None else -10**6
        high = rule.high if rule.high is not None else low + 10**6
        return st.one_of(st.integers(low, min(high, low + 64)), st.integers(low, high))
    if isinstance(rule, Float):
        low = rule.low if rule.low is not None else -1e12
        high = rule.high if rule.high is not None else max(low, 0) + 1e6
        return st.one_of(st.floats(low, high, exclude_min=rule.low_open, exclude_max=rule.high_open),
                         st.integers(math.ceil(low) + (1 if rule.low_open else 0),
                                     max(math.ceil(low) + 1, math.floor(min(high, 1e9)))))
    raise TypeError(rule)


def boundary_values(rule) -> st.SearchStrategy:
    if isinstance(rule, Choice):
        near = []
        for o in rule.names:
            near += [o.upper(), o.title(), f" {o}", f"{o} ", o.replace("_", "-"), o.replace("a", "\u0430"), o + "\x00",
                     o[:-1], o + "s"]
        return st.sampled_from(near + ["", "none", "default", "auto"])
    if isinstance(rule, Text):
        return st.sampled_from(ODD_STRINGS)
    if isinstance(rule, Int):
        pts = [0, -1, 1]
        for b in (rule.low, rule.high):
            if b is not None:
                pts += [b - 1, b, b + 1, float(b), b + 0.5]
        return st.sampled_from(pts + HUGE_INTS)
    if isinstance(rule, Float):
        pts = [0, 0.0, -0.0, -1.0, 1, 1.0]
        for b in (rule.low, rule.high):
            if b is not None:
                pts += [b, float(b), int(b), math.nextafter(b, -math.inf), math.nextafter(b, math.inf), b * 10, -b]
        return st.sampled_from(pts + ODD_FLOATS + HUGE_INTS)
    raise TypeError(rule)


def field_values(rule, toml: bool = True) -> st.SearchStrategy:
    """valid 40 %, boundary 30 %, wrong type 30 % (roughly)"""
    valid, edge, junk = valid_values(rule), boundary_values(rule), junk_values(toml)
    if isinstance(rule, (OptionalInt, OptionalFloat)) or (isinstance(rule, Text) and rule.optional):
        edge = st.one_of(edge, st.none()) if not toml else edge
    return st.one_of(valid, valid, valid, valid, edge, edge, edge, junk, junk, junk)


# ---- base configs ----------------------------------------------------------------------------------------

def _small(tables: dict) -> dict:
    wl = tables.setdefault("workload", {})
    if wl.get("kind") == "network":
        wl["vectors"] = files.SMALL_VECTORS
        for key in ("network_file", "dataset_file"):
            if isinstance(wl.get(key), str):
                wl[key] = "@DATA@/" + Path(wl[key]).name
    else:
        wl.update(in_features=files.SMALL_IN, out_features=files.SMALL_OUT, vectors=files.SMALL_VECTORS)
    return tables


def _load_bases() -> dict[str, dict]:
    bases: dict[str, dict] = {"empty": _small({})}
    for path in sorted((REPO / "configs").glob("*.toml")):
        if path.stem.startswith("sweep"):
            continue
        with path.open("rb") as fh:
            bases[f"configs/{path.name}"] = _small(tomllib.load(fh))
    for path in sorted((REPO / "src/cimsim/config/presets").glob("*.toml")):
        bases[f"preset:{path.stem}"] = _small({"preset": path.stem})
    return bases


BASES = _load_bases()
"""base config tables (small workloads: 64 -> 32 dense layer or 16 network samples, 16 vectors)"""

TEXT_BASES: dict[str, str] = {}
"""shipped file texts (configs/*.toml except sweeps, and the presets), made small and with absolute data paths"""
for _p in [*sorted((REPO / "configs").glob("*.toml")), *sorted((REPO / "src/cimsim/config/presets").glob("*.toml"))]:
    _t = _p.read_text()
    _t = _t.replace('"../src/cimsim/data/', '"@DATA@/')
    for _n in ("vectors = 1000", "vectors = 540"):
        _t = _t.replace(_n, f"vectors = {files.SMALL_VECTORS}")
    TEXT_BASES[str(_p.relative_to(REPO))] = _t


def _toml_case(category: str, tables: dict, **extra) -> dict:
    return {"category": category, "kind": "toml", "text": dumps(tables), **extra}


# ---- categories --------------------------------------------------------------------------------------------

_SECTION_NAMES = list(SECTION_FIELDS)
_ALL_FIELDS = [(s, f) for s, fs in SECTION_FIELDS.items() for f in fs]


def _base_with_fields(draw, most: int, toml: bool) -> tuple[str, dict]:
    """a shipped base config's tables with 1 to ``most`` fields set to drawn values"""
    base = draw(st.sampled_from(sorted(BASES)))
    tables = copy.deepcopy(BASES[base])
    for _ in range(draw(st.integers(1, most))):
        section, name = draw(st.sampled_from(_ALL_FIELDS))
        tables.setdefault(section, {})[name] = draw(field_values(SECTION_FIELDS[section][name], toml=toml))
    return base, tables


@st.composite
def schema_toml(draw) -> dict:
    base, tables = _base_with_fields(draw, 4, toml=True)
    return _toml_case("schema_toml", tables, base=base)


@st.composite
def schema_dict(draw) -> dict:
    base, data = _base_with_fields(draw, 3, toml=False)
    if draw(st.integers(0, 9)) == 0:  # the whole table, or the whole config, of a wrong type
        where = draw(st.sampled_from([None, *_SECTION_NAMES]))
        junk = draw(junk_values(toml=False))
        if where is None:
            data = junk
        else:
            data[where] = junk
    return {"category": "schema_dict", "kind": "dict", "data": data, "base": base}


def _key_variants(k: str) -> list[str]:
    return [k.upper(), k.title(), k.capitalize(), f" {k}", f"{k} ", k.replace("_", "-"), k.replace("_", ""),
            k + "s", k[:-1], k.replace("a", "\u0430"), "\u00e9" + k, k + "\x00", k + ".x"]


@st.composite
def keys(draw) -> dict:
    base = draw(st.sampled_from(sorted(BASES)))
    tables = copy.deepcopy(BASES[base])
    how = draw(st.sampled_from(["field_key", "table_name", "top_key", "table_value", "array_of_tables",
                                "nested_table", "field_as_table", "preset", "section_preset", "name", "empty_key",
                                "dotted_key", "random_keys"]))
    extra = ""
    if how == "field_key":
        section, name = draw(st.sampled_from(_ALL_FIELDS))
        value = draw(field_values(SECTION_FIELDS[section][name]))
        tables.setdefault(section, {})[draw(st.sampled_from(_key_variants(name)))] = value
    elif how == "table_name":
        section = draw(st.sampled_from(_SECTION_NAMES))
        tables[draw(st.sampled_from(_key_variants(section) + ["Array", "ADC", "sim", "chips"]))] = dict(
            tables.pop(section, {"x": 1}) or {"x": 1})
    elif how == "top_key":
        section, name = draw(st.sampled_from(_ALL_FIELDS))
        top = {k: v for k, v in tables.items() if not isinstance(v, dict)}
        rest = {k: v for k, v in tables.items() if isinstance(v, dict)}
        top[draw(st.sampled_from([name, f"{section}_{name}", "Name", "PRESET", "version", "description "]))] = draw(
            field_values(SECTION_FIELDS[section][name]))
        tables = {**top, **rest}
    elif how == "table_value":
        section = draw(st.sampled_from(_SECTION_NAMES))
        tables.pop(section, None)
        tables = {section: draw(junk_values()), **tables}
    elif how == "array_of_tables":
        section = draw(st.sampled_from(_SECTION_NAMES))
        tables.pop(section, None)
        extra = f"\n[[{section}]]\nx = 1\n" * draw(st.integers(1, 2))
    elif how == "nested_table":
        section = draw(st.sampled_from(_SECTION_NAMES))
        extra = f"\n[{section}.{draw(st.sampled_from(['sub', 'adc', 'bits', 'preset']))}]\nbits = 8\n"
    elif how == "field_as_table":
        section, name = draw(st.sampled_from(_ALL_FIELDS))
        tables.setdefault(section, {})[name] = {"value": 1}
    elif how == "preset":
        tables["preset"] = draw(st.one_of(st.sampled_from(
            ["IDEAL", "ideal ", "pcm", "rram", "a100", "isaac-like", "", "../configs/default", "ideal.toml",
             "rram_default", "\u0131deal"]), junk_values()))
    elif how == "section_preset":
        section = draw(st.sampled_from(["device", "baseline", "adc", "array", "workload"]))
        tables.setdefault(section, {})["preset"] = draw(st.one_of(st.sampled_from(
            ["PCM", "pcm ", "ideal", "rram-default", "a100", "H100", "tpu_v1", "", "cpu", "sram", "gpu"]),
            junk_values()))
    elif how == "name":
        tables["name"] = draw(st.one_of(st.sampled_from(ODD_STRINGS), junk_values()))
        if draw(st.booleans()):
            tables["description"] = draw(st.one_of(st.sampled_from(ODD_STRINGS), junk_values()))
    elif how == "empty_key":
        section = draw(st.sampled_from(["", *_SECTION_NAMES]))
        extra = (f'\n[{section}]\n"" = 1\n' if section else "") or '"" = 1\n'
        if not section:
            tables = {"": 1, **tables}
            extra = ""
    elif how == "dotted_key":
        section, name = draw(st.sampled_from(_ALL_FIELDS))
        top = {k: v for k, v in tables.items() if not isinstance(v, dict)}
        rest = {k: v for k, v in tables.items() if isinstance(v, dict) and k != section}
        text = dumps({**top, **rest}) + f"{section}.{name}.{draw(st.sampled_from(['x', 'bits', name]))} = 1\n"
        return {"category": "keys", "kind": "toml", "text": text, "base": base, "how": how}
    else:
        for _ in range(draw(st.integers(1, 5))):
            section = draw(st.sampled_from([None, *_SECTION_NAMES]))
            k = draw(st.text(min_size=0, max_size=30))
            v = draw(st.one_of(st.integers(-5, 5), st.text(max_size=5)))
            if section is None:
                tables = {k: v, **tables}
            else:
                tables.setdefault(section, {})[k] = v
    text = dumps(tables) + extra
    return {"category": "keys", "kind": "toml", "text": text, "base": base, "how": how}


_MUTATIONS = ["delete_line", "duplicate_line", "delete_header", "duplicate_header", "rename_key", "rename_table",
              "swap_type", "truncate", "garbage", "break_syntax", "bom", "crlf", "append_junk", "move_line",
              "comment_out", "long_value", "duplicate_table_block"]


@st.composite
def file_mutation(draw) -> dict:
    base = draw(st.sampled_from(sorted(TEXT_BASES)))
    text = TEXT_BASES[base]
    data = text.encode()
    ops = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(_MUTATIONS))
        lines = data.split(b"\n")
        idx = draw(st.integers(0, max(0, len(lines) - 1)))
        kv = [i for i, ln in enumerate(lines) if b"=" in ln and not ln.lstrip().startswith(b"#")]
        headers = [i for i, ln in enumerate(lines) if ln.lstrip().startswith(b"[")]
        if op in ("rename_key", "swap_type", "long_value", "move_line", "comment_out") and kv:
            idx = draw(st.sampled_from(kv))
        if op in ("delete_header", "duplicate_header", "rename_table", "duplicate_table_block") and headers:
            idx = draw(st.sampled_from(headers))
        line = lines[idx] if lines else b""
        if op == "delete_line":
            del lines[idx]
        elif op == "duplicate_line":
            lines.insert(idx, line)
        elif op == "delete_header":
            del lines[idx]
        elif op == "duplicate_header":
            lines.insert(len(lines), line)
        elif op == "duplicate_table_block":
            end = next((j for j in headers if j > idx), len(lines))
            lines.extend(lines[idx:end])
        elif op == "rename_key" and b"=" in line:
            k, _, v = line.partition(b"=")
            new = draw(st.sampled_from(_key_variants(k.decode(errors="replace").strip()) + ["x", "bits", "Bits"]))
            lines[idx] = tomlw.key(new).encode("utf-8", "replace") + b" =" + v
        elif op == "rename_table" and line.lstrip().startswith(b"["):
            name = line.strip().strip(b"[]").decode(errors="replace")
            lines[idx] = b"[" + draw(st.sampled_from(_key_variants(name) + ["[" + name + "]", name + ".x"])).encode(
                errors="replace") + b"]"
        elif op == "swap_type" and b"=" in line:
            k, _, v = line.partition(b"=")
            section = None
            for j in range(idx, -1, -1):
                if lines[j].lstrip().startswith(b"["):
                    section = lines[j].strip().strip(b"[]").decode(errors="replace")
                    break
            fname = k.decode(errors="replace").strip()
            rule = SECTION_FIELDS.get(section or "", {}).get(fname)
            value = draw(field_values(rule) if rule is not None else junk_values())
            lines[idx] = k + b"= " + tomlw.value(value).encode("utf-8", "replace")
        elif op == "truncate":
            data = b"\n".join(lines)
            cut = draw(st.integers(0, len(data)))
            lines = data[:cut].split(b"\n")
        elif op == "garbage":
            data = b"\n".join(lines)
            at = draw(st.integers(0, len(data)))
            junk = draw(st.one_of(st.binary(min_size=1, max_size=16), st.sampled_from(
                [b"\x00", b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\r", b"\x1b[31m", b"\xef\xbb\xbf", b"\\", b'"',
                 b"[", b"]", b"=", b"\n=\n", b"\t", b"\x7f", "\u2028".encode()])))
            lines = (data[:at] + junk + data[at:]).split(b"\n")
        elif op == "break_syntax":
            how = draw(st.sampled_from(["quote", "equals", "bracket", "value", "key"]))
            if how == "quote" and b'"' in line:
                lines[idx] = line[: line.rindex(b'"')]
            elif how == "equals":
                lines[idx] = line.replace(b"=", b" ", 1)
            elif how == "bracket":
                lines[idx] = line.replace(b"]", b"", 1) if b"]" in line else b"[" + line
            elif how == "value":
                lines[idx] = line.split(b"=")[0] + b"="
            else:
                lines[idx] = b"= " + line
        elif op == "bom":
            lines[0] = b"\xef\xbb\xbf" + lines[0]
        elif op == "crlf":
            lines = [ln + b"\r" for ln in lines]
        elif op == "append_junk":
            lines.append(draw(st.sampled_from([b"x", b"[", b"a = ", b"[[]]", b"[adc]\nbits = 4", b"\x00" * 10,
                                               b'preset = "ideal"', b"name = 1", b"[workload]\nvectors = 0"])))
        elif op == "move_line":
            del lines[idx]
            lines.insert(draw(st.integers(0, len(lines))), line)
        elif op == "comment_out":
            lines[idx] = b"# " + line
        elif op == "long_value" and b"=" in line:
            lines[idx] = line.partition(b"=")[0] + b'= "' + b"x" * draw(st.sampled_from([300, 5000, 200_000])) + b'"'
        ops.append(op)
        data = b"\n".join(lines)
    return {"category": "file_mutation", "kind": "toml", "text": data, "base": base, "ops": ops}


_DENSE_BASES = ["empty", "configs/default.toml", "configs/sram-cim.toml", "configs/isaac-like.toml", "preset:ideal"]
_NET_BASES = ["configs/digits-mlp.toml", "configs/digits-cnn.toml"]


@st.composite
def data_files(draw) -> dict:
    target = draw(st.sampled_from(["weights_file", "inputs_file", "network_file", "dataset_file"]))
    fixtures = {"weights_file": files.WEIGHT_FIXTURES, "inputs_file": files.INPUT_FIXTURES,
                "network_file": files.NETWORK_FIXTURES, "dataset_file": files.DATASET_FIXTURES}[target]
    path = draw(st.one_of(st.sampled_from(fixtures).map(lambda n: "@FIX@/" + n), st.sampled_from(files.ODD_PATHS),
                          st.sampled_from(fixtures).map(lambda n: n)))  # last: relative to the config's folder
    if target in ("weights_file", "inputs_file"):
        base = draw(st.sampled_from(_DENSE_BASES))
        tables = copy.deepcopy(BASES[base])
        tables["workload"][target.removesuffix("_file")] = "file"
    else:
        base = draw(st.sampled_from(_NET_BASES))
        tables = copy.deepcopy(BASES[base])
        if target == "dataset_file":
            tables["workload"]["dataset"] = "file"
            if draw(st.booleans()):
                tables["workload"]["network_file"] = "@FIX@/net_ok.npz"  # the 64-input MLP the datasets fit
    tables["workload"][target] = path
    if draw(st.integers(0, 4)) == 0:  # and a second file field or size change
        tables["workload"][draw(st.sampled_from(["vectors", "in_features", "out_features"]))] = draw(
            st.sampled_from([1, 3, 16, 63, 64, 65, 1000, 0]))
    return _toml_case("data_files", tables, base=base)


_ARRAY_HOWS = ["nan", "inf", "huge", "zero", "empty", "transpose", "1d", "int", "complex", "str", "bool", "extra_dim",
               "scalar", "short", "drop"]
_LAYER_KINDS_ODD = ["Dense", "dense ", "conv3d", "lstm", "", "relu", "softmax", "flatten", "maxpool2d", "conv2d",
                    "layernorm", "matmul", "add", "identity", "pad", "upsample", "dilate", "max", "join_constant",
                    "interpolate", None, 1, ["dense"]]


@st.composite
def network_ops(draw) -> list:
    ops = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["input_shape", "kind", "param", "drop_layer", "array", "format",
                                   "architecture_text", "inputs", "extra"]))
        if op == "input_shape":
            ops.append([op, draw(st.sampled_from([[64.5], [], [0], [-64], [2**40], [[64]], ["64"], 64, [True],
                                                  [8, 8], [1, 8, 8], [63], [65], [64, 1], [1, 64], [2**62, 2**62],
                                                  [1] * 40, [math.nan]]))])
        elif op == "kind":
            ops.append([op, draw(st.integers(0, 7)), draw(st.sampled_from(_LAYER_KINDS_ODD))])
        elif op == "param":
            ops.append([op, draw(st.integers(0, 7)), draw(st.sampled_from(
                ["stride", "padding", "kernel", "dilation", "groups", "axis", "shape", "eps", "activation", "x"])),
                draw(st.sampled_from([[0, 0], [-1, -1], [100, 100], "a", None, 0, -1, 2**70, [1], [1, 1, 1, 1, 1],
                                      1.5, [], {}, True, math.nan]))])
        elif op == "drop_layer":
            ops.append([op, draw(st.integers(0, 7))])
        elif op == "array":
            ops.append([op, draw(st.sampled_from(["layer0.weight", "layer0.bias", "layer2.weight", "layer2.bias",
                                                  "layer3.weight", "layer7.weight", "input_shape", "format"])),
                        draw(st.sampled_from(_ARRAY_HOWS))])
        elif op == "format":
            ops.append([op, draw(st.sampled_from(["cimsim-network-3", "", "cimsim-network-1", "CIMSIM-NETWORK-2"]))])
        elif op == "architecture_text":
            ops.append([op, draw(st.sampled_from(["", "{}", "[", "null", "[1, 2]", '[{"kind": "dense"}]', "[]",
                                                  '[{"kind": "relu"}]', '{"kind": "dense"}', "[[]]", '"dense"',
                                                  '[{"kind": "dense", "inputs": 5}]', "[" * 5000 + "]" * 5000]))])
        elif op == "inputs":
            ops.append([op, draw(st.integers(0, 7)), draw(st.sampled_from([[5], [-1], [0, 0], [], "a", 3, [1.5],
                                                                           [99], [None]]))])
        else:
            ops.append([op, draw(st.sampled_from(["float_accuracy", "labels", "x"])), draw(st.sampled_from(
                [1.0, "a", [1, 2]]))])
    return ops


@st.composite
def network_files(draw) -> dict:
    which = draw(st.sampled_from(["network", "network", "dataset"]))
    base = draw(st.sampled_from(_NET_BASES))
    tables = copy.deepcopy(BASES[base])
    if which == "network":
        spec = {"type": "network", "base": draw(st.sampled_from(["mlp", "cnn"])), "ops": draw(network_ops())}
        fname = draw(st.sampled_from(["net.npz", "net.npz", "net.onnx", "net.NPZ"]))
        tables["workload"]["network_file"] = "@CASE@/" + fname
    else:
        spec = {"type": "dataset", "x": draw(st.sampled_from(["ok", *_ARRAY_HOWS])),
                "y": draw(st.sampled_from(["ok", "float", "negative", "str", "short", "empty", "drop", "extra_dim",
                                           "bool", "huge", "nan"])),
                "n": draw(st.sampled_from([0, 1, 5, 20])), "features": draw(st.sampled_from([64, 63, 65, 1]))}
        fname = "ds.npz"
        tables["workload"]["network_file"] = "@FIX@/net_ok.npz"
        tables["workload"]["dataset"] = "file"
        tables["workload"]["dataset_file"] = "@CASE@/" + fname
    tables["workload"]["vectors"] = draw(st.sampled_from([1, 5, 16]))
    return _toml_case("network_files", tables, base=base, files={fname: spec})


_OVERRIDE_BASES = ["configs/default.toml", "configs/digits-mlp.toml", "configs/sram-cim.toml", "empty"]


@st.composite
def overrides(draw) -> dict:
    base = draw(st.sampled_from(_OVERRIDE_BASES))
    ov: dict = {}
    for _ in range(draw(st.integers(1, 3))):
        section, name = draw(st.sampled_from(_ALL_FIELDS))
        rule = SECTION_FIELDS[section][name]
        key = draw(st.one_of(st.just(f"{section}.{name}"), st.just(f"{section}.{name}"), st.just(f"{section}.{name}"),
                             st.sampled_from(["name", f"{section.upper()}.{name}", f"{section}.{name.upper()}",
                                              f"{section}..{name}", f".{name}", f"{section}.{name}.x", section, "",
                                              f"{section}.preset", "device.preset", "baseline.preset"]),
                             st.sampled_from([1, None, ("adc", "bits"), 1.5, b"adc.bits", True])))
        value = draw(st.one_of(valid_values(rule), _numpy_values(), st.sampled_from(HUGE_INTS),
                               st.sampled_from([None, True, False, math.nan, math.inf]), junk_values(toml=False)))
        ov[key] = value
    return {"category": "overrides", "kind": "overrides", "base": base, "overrides": ov}


# ---- the numerical API -------------------------------------------------------------------------------------

_ARRAY_EXPRS = [
    "np.ma.masked_array(X, mask=X > 0.5)", "np.ma.masked_array(np.where(X > 0.5, np.nan, X), mask=X > 0.5)",
    "np.ma.masked_array(np.where(X > 0.5, 1e300, X), mask=X > 0.5)", "np.ma.masked_array(X)",
    "X[:0]", "X[0]", "X[None]", "np.full_like(X, np.nan)", "np.where(X > 0.9, np.inf, X)", "X * 1e308", "-X * 1e308",
    "X * 1e-320", "np.zeros_like(X)", "X.astype(object)", "X.astype(complex)", "X.astype(str)", "X.tolist()",
    "(X * 100).astype(np.int64)", "X > 0", "X[:, :-1]", "np.hstack([X, X])", "X.T", "np.asfortranarray(X)",
    "X[::2]", "X[:, ::-1]", "X.astype(np.float16)", "X.astype(np.float32)", "X.astype(np.longdouble)",
    "np.asmatrix(X)", "X.reshape(-1)", "X.reshape(1, *X.shape)", "None", "3.0", "'x'", "[]", "[[]]",
    "np.array(X, dtype='>f8')", "np.broadcast_to(X[:1], X.shape)", "X.astype(np.uint8)", "np.abs(X)", "-np.abs(X)",
    "np.full_like(X, 2**63, dtype=np.uint64)", "X + 0j", "np.memmap", "X.view(np.int64)",
]


@st.composite
def api(draw) -> dict:
    """A Python snippet run with ``np``, ``cimsim`` names and ``cfg`` (the small dense base) in scope."""
    which = draw(st.sampled_from(["crossbar_ctor", "calibrate_pct", "array_arg", "load_network", "load_config",
                                  "simulate_network", "plan_layer", "config_from_dict"]))
    setup = ("cfg = load_config(BASE_DENSE)\nW = np.random.default_rng(0).uniform(-1, 1, (32, 64))\n"
             "X = np.random.default_rng(1).uniform(-1, 1, (8, 64))\n")
    invalid = True
    if which == "crossbar_ctor":
        cfg_expr = draw(st.sampled_from(["cfg", "cfg", "cfg", "None", "'configs/default.toml'", "{}", "cfg.adc",
                                         "dataclasses.replace(cfg, adc=None)"]))
        sizes = draw(st.sampled_from(["", ", 2**40, 32", ", 32, 2**40", ", 2**20, 2**20", ", 0, 32", ", -1, 32",
                                      ", 1.5, 32", ", np.int64(64), np.int32(32)", ", True, 32", ", None, None",
                                      ", '64', 32", ", 10**400, 32", ", float('nan'), 32", ", 64, 32", ", 4097, 1",
                                      ", np.uint64(2**63), 1", ", 2**31, 2**31", ", 64, 32, key=(-1,)",
                                      ", 64, 32, key=('a',)", ", 64, 32, key=(2**70,)", ", 64, 32, key=()",
                                      ", 64, 32, key=None"]))
        code = setup + f"Crossbar({cfg_expr}{sizes})"
        expect = ["config", "features", "key", "in_", "out_", "positive", "integer"]
        invalid = not (cfg_expr == "cfg" and sizes in ("", ", np.int64(64), np.int32(32)", ", 64, 32",
                                                          ", 64, 32, key=()", ", None, None", ", 4097, 1",
                                                          ", 64, 32, key=(2**70,)"))  # any non-negative ints
    elif which == "calibrate_pct":
        pct = draw(st.sampled_from(["200", "-1", "0", "50", "100", "100.0001", "float('nan')", "float('inf')", "None",
                                    "'99'", "np.float32(99)", "10**400", "True", "[99, 50]", "99.99", "1e-300",
                                    "np.array([99.0])"]))
        code = setup + "xbar = Crossbar(cfg)\nxbar.program(W)\n" + f"xbar.calibrate(X, percentile={pct})"
        expect = ["percentile"]
        invalid = pct not in ("50", "100", "None", "99.99", "np.float32(99)", "1e-300", "0")
    elif which == "array_arg":
        method = draw(st.sampled_from(["program", "calibrate", "mvm", "mvm_unprogrammed", "digital_reference"]))
        expr = draw(st.sampled_from(_ARRAY_EXPRS))
        memmap = expr == "np.memmap"
        if memmap:
            expr = "np.lib.format.open_memmap(FIX + '/x_ok.npy', mode='r')[:8]"
        arr = re.sub(r"\bX\b", "W", expr) if method == "program" else expr
        prog = "" if method == "mvm_unprogrammed" else "xbar.program(W)\n"
        call = {"program": "xbar.program", "calibrate": "xbar.calibrate", "mvm": "xbar.mvm",
                "mvm_unprogrammed": "xbar.mvm", "digital_reference": "xbar.digital_reference"}[method]
        cfg_line = draw(st.sampled_from(["", "cfg = with_overrides(cfg, {'adc.range': 'max'})\n",
                                         "cfg = with_overrides(cfg, {'dac.signed_inputs': 'unsigned'})\nX = np.abs(X)\n",
                                         "cfg = with_overrides(cfg, {'dac.input_range': 'fixed', 'dac.input_max': 1.0})\n"]))
        pre = "" if method in ("program", "calibrate", "mvm_unprogrammed") or "'adc.range': 'max'" in cfg_line else "xbar.calibrate(X)\n"
        code = setup + cfg_line + "xbar = Crossbar(cfg)\n" + prog + pre + f"{call}({arr})"
        expect = ["weights", "inputs", "program", "calibrat", "shape", "real", "nan", "finite", "dtype", "masked",
                  ">= 0", "vector"]
        # cimsim's documented semantics: an empty batch gives an empty result, one vector gives one vector, any
        # real dtype is read as numbers (views of other dtypes too; an object array of real numbers too), weights
        # matter only by their ratios (1e308 programs as 1), a product that overflows float64 is refused, masked
        # arrays are refused
        invalid = expr not in ("X.astype(object)", "X.astype(np.float32)", "X.astype(np.float16)",
                               "np.asfortranarray(X)", "X[::2]",
                               "X[:, ::-1]", "(X * 100).astype(np.int64)", "X > 0", "np.zeros_like(X)",
                               "np.array(X, dtype='>f8')", "np.broadcast_to(X[:1], X.shape)", "X.astype(np.uint8)",
                               "np.abs(X)", "X * 1e-320", "X.tolist()", "np.memmap", "X[:0]", "X.view(np.int64)",
                               "X.astype(np.longdouble)", "np.asmatrix(X)") or method == "mvm_unprogrammed"
        if memmap:
            invalid = method == "mvm_unprogrammed"
        if expr == "X[0]":  # one vector: calibrate, mvm and digital_reference take it as a batch of one
            invalid = method in ("program", "mvm_unprogrammed")
        if expr in ("X * 1e308", "-X * 1e308", "np.full_like(X, 2**63, dtype=np.uint64)"):
            # only ratios are programmed and calibrated; a product is returned when finite, refused when it overflows
            invalid = method == "mvm_unprogrammed"
        if expr == "-np.abs(X)" or expr == "np.abs(X)":
            # unsigned inputs must be >= 0; weights of any sign are programmed (the expression is then -|W|)
            invalid = method == "mvm_unprogrammed" or ("unsigned" in cfg_line and expr == "-np.abs(X)"
                                                        and method != "program")
        if method == "program" and expr in ("X.T", "np.hstack([X, X])", "X[:, :-1]", "X[::2]"):
            invalid = True  # W's shape changes
        if method == "calibrate" and "'adc.range': 'max'" in cfg_line:
            invalid = True  # calibrate applies to adc.range = "calibrated" only
    elif which == "load_network":
        path = draw(st.one_of(st.sampled_from(files.NETWORK_FIXTURES + files.DATASET_FIXTURES).map(
            lambda n: f"FIX + '/{n}'"), st.sampled_from(files.ODD_PATHS).map(
            lambda p: repr(p).replace("'@FIX@", "FIX + '")), st.sampled_from(["None", "5", "b'x.npz'", "''"])))
        code = setup + f"load_network({path})"
        expect = ["npz", "onnx", "network", "read", "path", "format", "file", "kind", "input_shape"]
        invalid = "net_ok" not in path and "NET_OK" not in path and "net_cnn" not in path
    elif which == "load_config":
        path = draw(st.sampled_from(["None", "5", "b'configs/default.toml'", "''", "'/'", "'/etc/passwd'",
                                     "'/dev/null'", "'configs'", "FIX + '/adir'", "'x' * 5000", "'a\\x00b.toml'",
                                     "'configs/default.toml\\x00'", "FIX + '/" + "a" * 300 + ".toml'",
                                     "'configs/sweep-adc.toml'", "'src/cimsim/config/devices/pcm.toml'",
                                     "'src/cimsim/config/baselines/a100.toml'", "FIX + '/w_ok.npy'",
                                     "FIX + '/unreadable.npy'", "FIX + '/link_loop.npy'", "pathlib.Path('configs')",
                                     "'configs/default.toml'"]))
        code = setup + f"load_config({path})"
        expect = ["config", "read", "toml", "file", "path", "table", "key", "directory"]
        invalid = path not in ("'configs/default.toml'", "'/dev/null'")  # an empty file: every default
    elif which == "simulate_network":
        inputs = draw(st.sampled_from(["XN", "XN[:0]", "XN[:, :63]", "XN.reshape(-1)", "np.full_like(XN, np.nan)",
                                       "XN * 1e308", "np.ma.masked_array(XN, mask=XN > 0.5)", "XN.astype(complex)",
                                       "XN.astype(object)", "XN.reshape(4, 8, 8)", "None", "XN.tolist()"]))
        labels = draw(st.sampled_from(["None", "L", "L[:2]", "L.astype(float)", "L - 100", "L[:, None]", "'abc'",
                                       "L.astype(bool)", "[1, 2, 3, 4]", "np.array([2**70] * 4, dtype=object)"]))
        code = (setup + "cfgn = with_overrides(load_config(BASE_MLP), {'workload.vectors': 4})\n"
                "XN = np.random.default_rng(2).uniform(0, 1, (4, 64))\nL = np.array([0, 1, 2, 3])\n"
                f"simulate_network(cfgn, inputs={inputs}, labels={labels})")
        expect = ["inputs", "labels", "shape", "real", "finite", "nan", "dtype", "sample"]
        invalid = not ((inputs in ("XN", "XN.tolist()", "XN.astype(object)")
                        and labels in ("None", "L", "[1, 2, 3, 4]"))
                       or (inputs == "None" and labels == "None"))  # no data: the config's dataset
    elif which == "plan_layer":
        args = draw(st.sampled_from(["cfg, 2**40, 32", "cfg, 0, 0", "cfg, -5, 3", "cfg, 1.0, 2.0", "None",
                                     "cfg, np.int8(-1), 3", "cfg, 2**62, 2**62", "cfg, 64, 32"]))
        code = setup + f"plan_layer({args})"
        expect = ["features", "config", "positive", "integer", "large", "fit"]
        invalid = args not in ("cfg, 64, 32", "cfg, 2**40, 32")  # a plan describes; sides up to 2**40
    else:
        data = draw(st.sampled_from(["None", "[]", "'x'", "{1: 2}", "{'adc': None}", "{'adc': {None: 1}}",
                                     "{'adc': {'bits': float('nan')}}", "{'workload': {'vectors': 10**400}}",
                                     "{'adc': {'percentile': 10**400}}", "{'device': {'g_max_us': 10**400}}",
                                     "{'preset': ['ideal']}", "{'preset': {'a': 1}}", "{'device': {'preset': ['pcm']}}",
                                     "{'baseline': {'preset': {}}}", "{'name': None}", "{(1, 2): 3}",
                                     "{'adc': {'bits': np.int64(6)}}", "{'adc': {'percentile': np.float32(99)}}",
                                     "{'adc': {'bits': np.array(6)}}", "collections.OrderedDict(adc={'bits': 6})",
                                     "types.MappingProxyType({'adc': {'bits': 6}})", "{'adc': {'bits': 6}}"]))
        code = setup + f"config_from_dict({data})"
        expect = ["<dict>"]
        invalid = data not in ("{'adc': {'bits': 6}}", "collections.OrderedDict(adc={'bits': 6})",
                               "types.MappingProxyType({'adc': {'bits': 6}})", "{'adc': {'bits': np.int64(6)}}",
                               "{'adc': {'percentile': np.float32(99)}}", "{'name': None}",
                               "{'adc': {'bits': np.array(6)}}")  # a 0-d array is the number it holds
    return {"category": "api", "kind": "api", "code": code, "expect": expect, "invalid": invalid, "which": which}


_SWEEP_FIELDS = ["adc.bits", "dac.input_bits", "device.bits_per_cell", "array.rows_per_read", "array.rows",
                 "device.read_voltage_v", "device.g_max_us", "device.preset", "technology.node_nm", "chip.tiles",
                 "workload.kind", "nope.field", "adc", "mapping.weight_bits"]
_ODD_NUMBERS = [0, 1, 2, 4, 16, -1, 0.5, 1e-12, 10**9, 10**30, 2**63, float("inf"), float("nan"), True, "4", None]
_SWEEP_AXES = [("adc.bits", [4, 6, 8]), ("adc.bits", {"start": 2, "stop": 8, "step": 2}),
               ("device.read_voltage_v", {"start": 0.1, "stop": 0.3, "step": 0.1}),
               ("device.read_voltage_v", {"start": 0.1, "stop": 0.3}), ("device.preset", ["ideal", "rram"]),
               ("device.read_voltage_v", {"start": 0.05, "stop": 0.5, "step": 1e-9}),
               ("array.rows", {"start": 1, "stop": 4096, "step": 1}), ("chip.tiles", {"start": 1, "stop": 10**12,
                                                                                     "step": 1}),
               ("device.g_max_us", {"start": 1, "stop": 1000, "step": 0.001}), ("mapping.weight_bits", [2, 4, 8])]
"""ordinary axes, some of them too large to hold (a range of 10**9 values and more)"""


@st.composite
def sweep_specs(draw) -> dict:
    """A sweep spec as a dict, the small dense config its base, given to ``spec_from_dict``: 1-4 axes, each a list
    or a range of odd or ordinary numbers, in grid or random mode with odd samples and seeds; the call must load it
    fast or refuse it naming the key (a range of 10**9 values had been made in memory first)."""
    axes = {}
    for _ in range(draw(st.integers(1, 4))):
        field = draw(st.sampled_from(_SWEEP_FIELDS))
        if draw(st.integers(0, 2)) == 0:  # an ordinary axis (some of them huge), a third of the time
            field, axes[field] = draw(st.sampled_from(_SWEEP_AXES))
        elif draw(st.booleans()):
            axes[field] = draw(st.lists(st.sampled_from(_ODD_NUMBERS + ["ideal", "rram"]), max_size=5))
        else:
            axes[field] = {k: draw(st.sampled_from(_ODD_NUMBERS)) for k in draw(st.sampled_from(
                [("start", "stop", "step"), ("start", "stop"), ("start", "step"), ("start", "stop", "step", "x")]))}
    spec = {"kind": draw(st.sampled_from(["analytic", "functional", "x"])), "axes": axes}
    mode = draw(st.sampled_from(["grid", "random", None, "grid", "random", "sobol"]))
    if mode is not None:
        spec["mode"] = mode
    for key in ("samples", "seed"):
        if draw(st.booleans()):
            spec[key] = draw(st.sampled_from([1, 5, 0, -3, 10**6, 10**7, 2.5, "5", None, True]))
    # the validity of a drawn spec is not predicted (invalid False): it must load fast, or be refused naming a key
    code = f"inf, nan = float('inf'), float('nan')\nspec_from_dict({{**{spec!r}, 'base': BASE_DENSE}})"
    return {"category": "sweep_specs", "kind": "api", "code": code, "invalid": False,
            "expect": ["axes", "axis", "range", "start", "stop", "step", "samples", "seed", "mode", "kind", "grid",
                       "points", "objective", "key", "field", "set", "base", "spec"]}


@functools.cache
def _macro_entries() -> tuple[str, ...]:
    """the [[macro]] entries of the shipped published_macros.toml, each with its points (read once: every draw
    samples them)"""
    from importlib import resources

    from cimsim.validation import macro_data

    text = (resources.files("cimsim.validation") / macro_data.MACRO_FILE).read_text()
    return tuple("[[macro]]" + entry for entry in text.split("[[macro]]")[1:])


_MACRO_FIELDS = ["rows", "cols", "adc_bits", "vdd_v", "node_nm", "input_bits", "weight_bits", "bits_per_cell",
                 "rows_per_read", "bits_per_read", "clock_mhz", "cycle_ns", "cols_per_adc", "adcs", "family",
                 "row_groups_per_conversion", "adc_type", "ops_per_mac", "tops_per_w", "input_encoding", "label",
                 "weight_levels", "enob", "tops", "energy_fj_per_mac", "uiuc_b_x", "no_such_field"]
_MACRO_VALUES = ["0", "-1", "1e308", "nan", "inf", "-inf", '"x"', "true", "[]", "{}", "1.5", "1e-300", "1000000", '""',
                 "3", '"sar"', '"flash"', '"digital"', '"rram"', '"pulse_count"', "8", "16", "256", "-0.0", "2**3"]


@st.composite
def macro_files(draw) -> dict:
    """A user's macro file: one shipped entry with 1-3 lines changed (a field set to an odd value, deleted, a known or
    unknown field added, a stray [[macro.point]]); ``macro_cases`` must give cases whose report and CSV render, or
    none (every point left out with a reason), or refuse the file naming it, the macro and point, or its TOML."""
    lines = draw(st.sampled_from(_macro_entries())).splitlines()
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.integers(0, len(lines) - 1))
        field = re.match(r"^(\w+) = ", lines[k])
        action = draw(st.sampled_from(["set", "set", "delete", "add", "point"]))
        if field and action == "set":
            lines[k] = f"{field.group(1)} = {draw(st.sampled_from(_MACRO_VALUES))}"
        elif field and action == "delete":
            del lines[k]
        elif action == "point":
            lines.insert(k + 1, "[[macro.point]]")
        else:
            lines.insert(k + 1, f"{draw(st.sampled_from(_MACRO_FIELDS))} = {draw(st.sampled_from(_MACRO_VALUES))}")
    code = (f"path = pathlib.Path(tempfile.mkdtemp(dir=FIX)) / 'chips.toml'\npath.write_text({chr(10).join(lines)!r})\n"
            "(lambda cases: (macro_section(str(path)), cases_csv(cases)) if cases else excluded_points(str(path)))"
            "(macro_cases(str(path)))")
    return {"category": "macro_files", "kind": "api", "code": code, "invalid": False,
            "expect": ["chips.toml", "macro", "point", "toml"]}


CATEGORIES: dict[str, st.SearchStrategy] = {
    "schema_toml": schema_toml(), "schema_dict": schema_dict(), "keys": keys(), "file_mutation": file_mutation(),
    "data_files": data_files(), "network_files": network_files(), "overrides": overrides(), "api": api(),
    "sweep_specs": sweep_specs(), "macro_files": macro_files(),
}


def case() -> st.SearchStrategy:
    """any case, of any category"""
    return st.one_of(list(CATEGORIES.values()))


def cases_of(category: str, n: int, seed: int) -> list[dict]:
    """``n`` cases of one category, drawn reproducibly from ``seed`` (hypothesis, no database, no shrinking)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    out: list[dict] = []

    @hseed(seed)
    @settings(max_examples=n, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(CATEGORIES[category])
    def collect(c):
        out.append(c)

    collect()
    return out
