"""The units in a macro file's field names: what an unknown field names (``gops``, ``energy_pj_per_mac``,
``area_um2``) is matched against the known fields of the same quantity in their units, and the hint says how to
convert, so that a figure in another unit is not renamed as a nearby field and compared 1000x off (difflib's
'did you mean' had offered 'tops' for 'gops', a probe)."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection

from .macro_names import NORMALISED, PERCENT, TEXT_FIELDS, misspelt, other_figure

__all__ = ["field_hint"]

_SMALL = (("", 1.0), ("m", 1e-3), ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15), ("a", 1e-18))
_LARGE = (("", 1.0), ("k", 1e3), ("m", 1e6), ("g", 1e9), ("t", 1e12), ("p", 1e15))
UNITS = {**{p + "ops": ("ops", s) for p, s in _LARGE}, **{p + "hz": ("Hz", s) for p, s in _LARGE[:5]},
         **{p + "j": ("J", s) for p, s in _SMALL}, **{p + "w": ("W", s) for p, s in _SMALL},
         **{p + "v": ("V", s) for p, s in _SMALL[:3]}, "kv": ("V", 1e3), **{p + "s": ("s", s) for p, s in _SMALL},
         **{p + "m2": ("m2", s * s) for p, s in (("", 1.0), ("c", 1e-2), ("m", 1e-3), ("u", 1e-6))},
         **{p + "m": ("m", s) for p, s in _SMALL[1:5]}, "a": ("m", 1e-10), "angstrom": ("m", 1e-10),
         "watt": ("W", 1.0), "watts": ("W", 1.0), "volt": ("V", 1.0), "volts": ("V", 1.0), "siemens": ("S", 1.0),
         "mac": ("MAC", 1.0), "macs": ("MAC", 1.0), "op": ("op", 1.0), "mvm": ("MVM", 1.0), "cycles": ("cycles", 1.0),
         **{p + "op": ("ops", s) for p, s in _LARGE[1:]},
         **{p + mac: ("MACs", s) for p, s in _LARGE[1:] for mac in ("mac", "macs")}}
"""unit token of a field name (lower case, as fields are written) -> (quantity, its scale to the base unit);
``p`` is peta before ``ops`` and pico before ``j``, ``w``, ``s``; ``m`` mega before ``ops`` and ``hz``, else milli (a
field name has no case to tell them apart); ``a`` alone an angstrom (a node), clock cycles a count of their own;
``s`` siemens in a conductance's name (its word ``g``: :func:`_parse`), else seconds; a prefixed MAC (``gmacs``) a
throughput in MACs (``MACs``), as ``gops`` one in operations"""
_PREFIXES = {"kilo": 1e3, "mega": 1e6, "giga": 1e9, "tera": 1e12, "peta": 1e15, "milli": 1e-3, "micro": 1e-6,
             "nano": 1e-9, "pico": 1e-12, "femto": 1e-15}
"""prefixes written as words before a unit ('tera_ops')"""
_UNIT_FIELDS = ("tops", "tops_per_w", "tops_per_mm2", "energy_fj_per_mac", "energy_pj", "area_mm2", "tops_1b_norm",
                "tops_per_w_1b_norm", "tops_per_mm2_1b_norm", "clock_mhz", "cycle_ns", "latency_ns", "read_pulse_ns",
                "vdd_v", "read_voltage_v", "node_nm", "g_min_us", "g_max_us", "wl_switching_fj_per_op",
                "neuron_fj_per_op", "input_pulse_fj_per_op")
"""the known fields whose names hold their units (``us`` of a conductance is microsiemens: its prefix converts as a
second's)"""
_COMPARED = _UNIT_FIELDS[:6]
"""the figures compared, offered first among fields of one quantity"""
_WORDS = {"on": {"max"}, "lrs": {"max"}, "high": {"max"}, "set": {"max"}, "gmax": {"g", "max"}, "gon": {"g", "max"},
          "off": {"min"}, "hrs": {"min"}, "low": {"min"}, "reset": {"min"}, "gmin": {"g", "min"}, "goff": {"g", "min"},
          "conductance": {"g"}, "voltage": set(),
          **dict.fromkeys(("freq", "frequency", "f", "fclk", "clk"), {"clock"}),
          **dict.fromkeys(("period", "tcycle", "tclk"), {"cycle"}),
          **dict.fromkeys(("supply", "vcc", "vdd", "dd"), {"vdd"}),
          **dict.fromkeys(("tech", "technology", "process", "node"), {"node"}),
          **dict.fromkeys(("vread", "vrd"), {"read"}), "pulse": {"pulse"}, "width": {"pulse"}}
"""a name's words read as a field's ('freq_mhz': the clock's; 'g_on_us': the on state's conductance, g_max_us;
'voltage' names the unit's quantity, no field's word)"""
_FIELD_WORDS = frozenset(w for f in _UNIT_FIELDS for w in f.split("_") if w not in UNITS) | set(_WORDS) | {
    "mac", "op", "mvm", "latency", "energy", "width", "pulse", "read", "time", "core"}
"""words of the unit fields' names and their other words (:data:`_WORDS`): a unit run into one is split from it"""
_STATES = frozenset(("min", "max", "on", "off", "high", "low", "set", "reset", "g"))
"""a conductance state's words, too short to split a unit from ('minus' is no min in us)"""
_SAME_UNIT = {("ops", "J"): ("ops", "W")}
"""units that are one quantity (operations a joule: TOPS/W)"""
_SECONDS = {"sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "msec": 1e-3, "usec": 1e-6, "nsec": 1e-9,
            "psec": 1e-12}
"""seconds written out"""
_ALL_UNITS = {**UNITS, **{k: ("s", v) for k, v in _SECONDS.items()}}
"""every unit token :func:`_parse` reads"""
_LONGEST = max(map(len, _ALL_UNITS))
"""the most letters of a unit token (only a name's tail is looked at for one run into a word)"""
_COUNTS = frozenset(("MAC", "op", "MVM"))
"""units that count operations: what an energy or a time is per"""
_RATES = {"ops": "ops", "MACs": "MACs", "op": "ops", "MAC": "MACs"}
"""operations or MACs as a throughput (a second's, or with a prefix: 'tera_op'), each read as its rate"""


def _tokens(name: str) -> list[str]:
    """the words of a field name, lower case: camelCase split ('clockGhz', 'gopsPerW'; a unit run into a word at its
    capital or prefix: :func:`_camel_units`), '/' read as '_per_', spaces, dashes, brackets, colons and commas as '_',
    the micro sign as u, a superscript 2 or '^2' as 2, and a field's word run into a unit split from it
    ('readPulseWidthns', 'macfj': :func:`_unit_tail`)"""
    text = re.sub(r"(?<=[a-z]{2})(?=[A-Z][a-z](?:[a-z]|[^A-Za-z]|$))", "_", _camel_units(name))  # 'clockIn_'
    text = re.sub(r"(?<=_Per)(?=[A-Z0-9])", "_", text)
    text = re.sub(r"(?<![a-z])([a-z]++)([A-Z]{2,}s?)(?=[^A-Za-z]|$)", _acronym, text)  # 'gLRS'; 'peak_kOPS' whole
    text = re.sub(r"(?<=[A-Z]{2})(?=[A-Z][a-z]{3})", "_", text)  # an acronym before a word: 'SRAM_Area', 'MVM_Latency'
    text = _unit_key(text).replace("/", "_per_")
    return [part for t in re.split(r"[_\s\-()\[\]{}:,]+", text.replace("^", "")) if t for part in _unit_tail(t)]


def _unit_key(text: str) -> str:
    """``text`` as a unit token is spelled (lower case, the micro sign as u, a superscript 2 as 2)"""
    return text.lower().replace("\u00b5", "u").replace("\u03bc", "u").replace("\u00b2", "2")


def _camel_units(name: str) -> str:
    """``name`` with '_' before a unit that ends a word run into it at the unit's capital ('energyPerInferenceUj',
    'clockMHz', 'vddV', 'energyPerMvmJ', 'vddNomV'), or at the prefix before that capital where it is pico, femto,
    micro or atto (letters few words end with: 'energyPerInferencepJ'), or after an acronym or a field's word
    ('energyPerMACfJ', 'VDDmV', 'clockFreqkHz'); never inside a unit ('mW', 'pJ') (reviews: such units had been
    read as part of the word, their factor lost; 'energyPerChipJ' is read as pJ per 'chi')"""
    return re.sub(r"[0-9A-Za-z\u00b5\u03bc\u00b2]+", lambda run: _split_run(run.group(0)), name)


def _split_run(run: str) -> str:
    """:func:`_camel_units` of one run of letters and digits (a unit is at most :data:`_LONGEST` letters: only the
    run's tail is looked at, so a name of 20 000 letters is read in linear time)"""
    if _unit_key(run) in _ALL_UNITS:
        return run
    for i in range(max(len(run) - _LONGEST, 2), len(run)):
        if run[i].isupper() and run[i - 1].islower() and _unit_key(run[i:]) in _ALL_UNITS:
            whole = _camel_word(run, 0, i)  # the word with the letter before the capital ('Op' of 'OpJ')
            cut = i - 1 if run[i - 1] in "kmunpfa\u00b5\u03bc" and _unit_key(run[i - 1:]) in _ALL_UNITS and (
                whole not in _FIELD_WORDS and whole not in _ALL_UNITS) and (
                run[i - 1] in "pfua\u00b5\u03bc" or run[i - 3:i - 1].isupper()
                or _camel_word(run, 0, i - 1) in _FIELD_WORDS) else i
            return f"{run[:cut]}_{run[cut:]}"
    return run


def _acronym(found: re.Match) -> str:
    """'_' before a run of capitals after lower-case letters ('gLRS'), but a prefix letter and the capitals of a unit
    kept together ('peak_kOPS', 'clockkHZ': a review, the prefix had been lost)"""
    lowers, capitals = found.group(1), found.group(2)
    if lowers[-1] in "kmunpfa" and _unit_key(lowers[-1] + capitals) in _ALL_UNITS:
        return lowers[:-1] + "_" * (len(lowers) > 1) + lowers[-1] + capitals
    return f"{lowers}_{capitals}"


def _camel_word(name: str, start: int, i: int) -> str:
    """the camelCase word of ``name`` that ends before ``i`` (its lower-case letters and the capital before them, or
    a run of capitals alone, from ``start`` at most), lower case"""
    k = i
    while k > start and name[k - 1].islower():
        k -= 1
    if k < i:  # lower-case letters and the one capital before them: 'Core' of 'VDDCore'
        return name[k - (k > start and name[k - 1].isupper()):i].lower()
    while k > start and name[k - 1].isupper():  # a run of capitals alone: 'MAC'
        k -= 1
    return name[k:i].lower()


def _unit_tail(token: str) -> list[str]:
    """[word, unit] where ``token`` is a field's word (:data:`_FIELD_WORDS`) run into a unit of two letters or more,
    or into v or w ('clockmhz', 'vddv'; not 'areas': a plural's s; not a conductance state's word: 'minus', 'onus'),
    else [token]"""
    if token in _ALL_UNITS or token in _FIELD_WORDS:
        return [token]
    if token.endswith("per") and token[:-3] in _ALL_UNITS:  # 'TOPSperW': tops per w
        return [token[:-3], "per"]
    for cut in range(len(token) - 1, max(len(token) - _LONGEST, 2) - 1, -1):
        word, unit = token[:cut], token[cut:]
        if word in _FIELD_WORDS - _STATES and unit in _ALL_UNITS and (len(unit) > 1 or unit in "vw"):
            return [word, unit]
    return [token]


def _entries(tokens: list[str]) -> tuple[list[tuple], set[str]]:
    """([quantity, under the line, scale, a count with no 'per' beside it, token] of each unit of ``tokens`` and
    ('/word', True, None, False, word) of each word after 'per'; the other words): a unit of one letter (v, s, w, j, a)
    only as the last word or beside a 'per' ('v_read_mv': the word v; 'energy_j_per_op'); after what a figure is per
    (a count or a word), a unit is the figure's own ('energy_per_mac_fj', 'latency_per_mvm_us')"""
    entries, words, below, after, prefix = [], set(), False, False, 1.0
    for n, token in enumerate(tokens):
        if token == "per":
            below = after = True
            continue
        if token in _PREFIXES:
            prefix = _PREFIXES[token]
            continue
        beside = "per" in tokens[max(n - 1, 0):n] + tokens[n + 1:n + 2]
        if token in _ALL_UNITS and (len(token) > 1 or n == len(tokens) - 1 or beside):
            quantity, scale = _ALL_UNITS[token]
            quantity = "op" if token == "ops" and after else quantity  # 'energy_fj_per_ops'
            quantity = _RATES[quantity] if prefix != 1.0 and quantity in ("op", "MAC") else quantity  # 'tera_op'
            lone = quantity in _COUNTS and not after and tokens[n + 1:n + 2] != ["per"]  # 'mac_energy', 'mvm_latency'
            entries.append((quantity, below, scale * prefix, lone, token))
        elif after:
            entries.append((f"/{token}", True, None, False, token))
        else:
            words |= _WORDS.get(token, {token})
        below = below and not (after and (entries[-1][0] in _COUNTS or entries[-1][2] is None))
        after, prefix = False, 1.0
    return entries, words


def _parse(name: str) -> tuple[tuple[tuple[str, bool], ...], list[tuple[float, bool]], set[str]]:
    """(the quantities of ``name``'s units, those over the line first, each with whether it is under it, a word after
    'per' among them as ('/word', True); each unit's scale and whether it is under the line; the other words). '/'
    and spaces are read as '_per_' and '_' ('TOPS/W' as tops_per_w; 'tops_per_w_per_b' a figure per bit,
    'tops_per_mm2_per_core' one per core: other quantities: :func:`_tokens`, :func:`_entries`); a count (MAC, op, MVM)
    before an energy or a time with no 'per' is what it is per ('mac_energy_pj'), an MVM else a word; a time per MVM
    is the MVM's latency ('mvm_latency_ns'); a conductance's 's' is siemens"""
    entries, words = _entries(_tokens(name))
    measured = any(q not in _COUNTS and scale is not None for q, _, scale, _, _ in entries)
    kept = []
    for quantity, under, scale, lone, token in entries:
        if lone and not measured and quantity == "MVM":
            words.add(token)
            continue
        under = under or (lone and measured)  # 'mac_energy_pj': per MAC
        if quantity not in _COUNTS or (quantity, under) not in [k[:2] for k in kept]:  # a count named twice is one
            kept.append(("S" if quantity == "s" and "g" in words else quantity, under, scale))
    rate, seconds = [k for k in kept if k[0] in _RATES and not k[1]], [k for k in kept if k[0] == "s"]
    if rate and seconds:  # operations a second: 'ops' is a rate already ('gop_s', 'gops_per_us', 'macs_per_s')
        kept = [(_RATES[q], under, scale / math.prod(k[2] for k in seconds)) if (q, under, scale) == rate[0]
                else (q, under, scale) for q, under, scale in kept if q != "s"]
    if any(q == "s" and not under for q, under, _ in kept) and any(k[0] == "MVM" for k in kept):
        kept, words = [k for k in kept if k[0] != "MVM"], words | {"latency"}  # 'us_per_mvm': latency_ns
    kept.sort(key=lambda k: k[1])
    plain = tuple(q for q, _, _ in kept)
    same = _SAME_UNIT.get(plain, plain)
    return (tuple(zip(same, (under for _, under, _ in kept))),
            [(scale, under) for _, under, scale in kept if scale is not None], words)


_KIND = {"op": "MAC", "MACs": "ops"}
"""quantities of one kind, ops_per_mac apart: an energy per op is one per MAC, a throughput in MACs one in ops"""


def _kind(parsed: tuple, flagged: bool) -> tuple:
    """a parse's quantities (:data:`_KIND`), with whether each is under the line where ``flagged``"""
    named = [(_KIND.get(q, q), under) for q, under in parsed[0]]
    return tuple(named if flagged else (q for q, _ in named))


def _scale(scales: list[tuple[float, bool]], below: list[bool]) -> float:
    """the unit's scale, each token's factor over or under the line as ``below`` says"""
    return math.prod(1.0 / factor if under else factor for (factor, _), under in zip(scales, below))


def _factor(ratio: float) -> str:
    """'x 1000' or '/ 1000' for a conversion factor"""
    if abs(ratio - 1.0) < 1e-9:
        return ""
    return f" x {ratio:.6g}" if ratio > 1.0 else f" / {1.0 / ratio:.6g}"


def _units_of(parsed: tuple) -> set[str]:
    """a parse's units as a set, an op as ops ('op_per_mac' spells ops_per_mac), a word after 'per' no unit (a count's:
    'bits_per_cells')"""
    return {("ops" if q in ("op", "MACs") else q) for q, _ in parsed[0] if not q.startswith("/")}


def _converted(name: str, field: str) -> str:
    """'; did you mean FIELD?', with the conversion from ``name``'s unit where it differs (a unit without its 'per'
    read as the field's; an energy per op and per MAC: ops_per_mac apart)"""
    ours, scales, _ = _parse(name)
    theirs, their_scales, _ = _parse(field)
    below = [under for _, under in their_scales]
    convert = _factor(_scale(scales, below) / _scale(their_scales, below))
    mine, its = [q for q, _ in ours], [q for q, _ in theirs]
    per_op = ("" if ("op" in mine) == ("op" in its) or "J" not in its
              else " x the point's ops_per_mac (2 unless stated)" if "op" in mine
              else " / the point's ops_per_mac (2 unless stated)")
    per_op += " x the point's ops_per_mac (2 unless stated)" if "MACs" in mine and "ops" in its else ""
    covers = " (with energy_per saying what it covers)" if field == "energy_pj" else ""
    if not convert and not per_op:
        return f"; did you mean {field!r}{covers}?"
    return f"; did you mean {field!r}, in its own unit? {field} = {name}{convert}{per_op}{covers}"


_CONVERSION = frozenset(("conversion", "conversions", "conv", "adc"))
"""words after 'per' of an energy per ADC conversion"""
_BITS = frozenset(("b", "bit", "bits", "1b"))
"""words after 'per' of a figure per bit (another quantity)"""


def _energy_per(name: str, parsed: tuple) -> str:
    """the hint for an energy per MVM, per conversion or per another thing (a read, an inference): 'energy_pj' with
    an energy_per saying what it covers ('' where ``name`` is none; per MAC, op or bit is another figure)"""
    over = [q for q, under in parsed[0] if not under]
    per = [q.lstrip("/") for q, under in parsed[0] if under]
    per = ["MVM"] if sorted(per) == ["MVM", "op"] else per  # 'mvm_op_energy_pj': one MVM
    if over != ["J"] or len(per) != 1 or per[0] in ("MAC", "op", *_BITS):
        return ""
    scale = math.prod(factor for factor, under in parsed[1] if not under)
    unit = f"in pJ (energy_pj = {name}{_factor(scale / 1e-12)})" if _factor(scale / 1e-12) else "in pJ"
    if per[0] == "MVM":
        return (f"; an energy per MVM is 'energy_pj' {unit} with energy_per = 'one full-array MVM (N MACs)', "
                "N the MACs it covers")
    if per[0] in _CONVERSION:
        return f"; an energy per ADC conversion is 'energy_pj' {unit} with energy_per = 'one ADC conversion'"
    return (f"; an energy per {per[0]} is 'energy_pj' {unit} with energy_per saying what it covers (compared "
            "where it is 'one full-array MVM (N MACs)' or 'one ADC conversion')")


def _unitless_energy(name: str, parsed: tuple) -> str:
    """the hint for an energy per something whose name gives no unit ('Energy/MAC', 'energyPerMvm'): the field, its
    figure in that field's unit ('' where ``name`` is none)"""
    quantities, scales, words = parsed
    per = [q for q, under in quantities if under]
    if "energy" not in words or any(q == "J" for q, _ in quantities) or not per:
        return ""
    if per in (["MAC"], ["op"]):
        times = " x the point's ops_per_mac (2 unless stated)" * (per == ["op"])
        return f"; did you mean 'energy_fj_per_mac', its figure in fJ{times}?"
    return _energy_per(name, ((("J", False), *quantities), [(1e-12, False), *scales], words))


def field_hint(name: str, known: Collection[str]) -> str:
    """'; did you mean ...?' for an unknown field ``name``: the known field it names without its unit ('adc_bits_s':
    adc_bits); else a known field of the same quantity (with the conversion where its unit differs, 'tops = gops /
    1000'; a rate per second is no time), the one with a word in common where ``name`` has words besides its units
    (the figures compared first), else those of that quantity listed; without one, the known name nearest in spelling
    where it is of the same quantity (a count, 'ops_per_mac') or ``name`` names no unit; else, where it names one,
    the figures the file takes ('' where none is near)"""
    parsed = _parse(name)
    quantities, words = _kind(parsed, False), parsed[2]
    lower = {k.lower(): k for k in known}
    tokens = _tokens(name)
    bare = "_".join(tokens[:-1])  # a unit after a count's name ('adc_bits_s')
    if len(tokens) > 1 and tokens[-1] in UNITS and bare in lower and lower[bare] not in _UNIT_FIELDS + TEXT_FIELDS:
        return f"; did you mean {lower[bare]!r}?"
    if other := other_figure(tokens, words):
        return other
    if hint := _energy_per(name, parsed) or _unitless_energy(name, parsed):
        return hint
    normalised = bool(NORMALISED & words)  # a 1b-normalised figure is no raw one
    fields = {k: _parse(k) for k in _UNIT_FIELDS if k in known and k.endswith("_1b_norm") == normalised}
    flagged = any(under for _, under in parsed[0])  # a 'per' written: what is under the line counts
    same = [k for k, f in fields.items() if quantities and _kind(f, flagged) == _kind(parsed, flagged)]
    shared = [k for k in same if words & fields[k][2] or not (words - NORMALISED) or not fields[k][2]]
    best = max((len(words & fields[k][2]) for k in shared), default=0)
    ties = [k for k in shared if len(words & fields[k][2]) == best]
    if len(ties) > 1 and words - NORMALISED:  # words that tell none of them apart ('g_us': g_min_us or g_max_us)
        return f"; did you mean one of {', '.join(ties)} (each in the unit its name ends with)?"
    if ties:
        return _converted(name, max(ties, key=lambda k: (k in _COMPARED, difflib.SequenceMatcher(
            None, name.lower(), k).ratio())))
    if len(same) > 1:
        return f"; did you mean one of {', '.join(same)} (each in the unit its name ends with)?"
    if same:
        return f"; did you mean {same[0]!r}, its figure in the unit its name ends with?"
    near, units = misspelt(tokens, lower, _UNIT_FIELDS), _units_of(parsed)
    if PERCENT & set(tokens):  # a share in percent: a fraction's field alone, told its /100
        near = [k for k in near if k.endswith("_fraction")]
    if len(near) > 1:
        percent = " (each = the percentage / 100)" * bool(PERCENT & set(tokens))
        return f"; did you mean one of {', '.join(near)}{percent}?"
    spelled = near[0] if near else None
    if spelled is not None and (not units or (spelled not in _UNIT_FIELDS and units == _units_of(_parse(spelled)))):
        if PERCENT & set(tokens) and spelled.endswith("_fraction"):  # a share in percent
            return f"; did you mean {spelled!r}, in its own unit? {spelled} = {name} / 100"
        if units or spelled not in _UNIT_FIELDS:
            return _converted(name, spelled) if units else f"; did you mean {spelled!r}?"
        return f"; did you mean {spelled!r}, its figure in the unit its name ends with?"  # no unit read in ``name``
    return ("; a figure in a unit no field takes: the figures are " + ", ".join(_COMPARED)
            + " (each in the unit its name ends with) and the UIUC 1b-normalised tops_1b_norm, tops_per_w_1b_norm, "
            "tops_per_mm2_1b_norm") if quantities else ""
