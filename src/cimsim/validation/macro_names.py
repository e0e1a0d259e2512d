"""The names a person gives a macro file's fields beside the units they hold (:mod:`.macro_units`): other words for a
field's words, names run together or misspelt, a system's figure or one normalised to other bits than UIUC's, which
no field takes."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping

__all__ = ["NORMALISED", "PERCENT", "TEXT_FIELDS", "misspelt", "other_figure"]

NORMALISED = frozenset(("1b", "norm", "normalised", "normalized", "1bit"))
"""words of a name that mark UIUC's 1b-normalised figures"""
TEXT_FIELDS = ("energy_per", "label", "source", "notes", "title", "key", "read_via", "doubtful_reason", "vdd_note")
"""text fields: never what a figure's name names"""
_SYSTEM = frozenset(("system", "sys", "soc", "dram"))
"""words of a whole system's figure"""
_WITHOUT = frozenset(("no", "without", "excl", "excluding", "w/o", "wo"))
"""words that take DRAM out of a figure ('tops_per_w_no_dram': the macro's)"""
_SYNONYMS = {"sparsity": "zero_fraction", "columns": "cols", "column": "cols", "bitlines": "cols", "wordlines": "rows",
             "precision": "bits", "resolution": "bits", "frac": "fraction"}
"""words of a field's name in other words ('input_sparsity': input_zero_fraction)"""
PERCENT = frozenset(("pct", "percent", "%"))
"""words of a share given in percent"""


def other_figure(tokens: list[str], words: set[str]) -> str:
    """the hint for a figure no field takes whatever its unit: a whole system's ('system_tops_per_w') or one
    normalised to other bits than UIUC's 1b x 1b ('tops_per_w_8b_norm'); '' for any other name"""
    if (_SYSTEM & words or {"chip", "level"} <= words) and not (words & _WITHOUT and words & _SYSTEM <= {"dram"}):
        return ("; a system's figure is not a field: state it under the macro's field with a label or source saying "
                "'system-level' (left out: the model prices the macro alone), or keep it in the notes")
    if NORMALISED & words and any(re.fullmatch(r"\d+b(?:its?)?", t) and t not in ("1b", "1bit") for t in tokens):
        return ("; a figure normalised to other bits than 1b x 1b: no field takes it (tops_1b_norm, tops_per_w_1b_norm "
                "and tops_per_mm2_1b_norm are UIUC's 1b x 1b normalisation; or give the raw figure)")
    return ""


def _alike(a: str, b: str) -> bool:
    """two words at least 3/4 alike (a slip of a letter or two)"""
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.75


def misspelt(tokens: list[str], lower: Mapping[str, str], unit_fields: Collection[str]) -> list[str]:
    """the known fields ``tokens`` name with a slip, after :data:`_SYNONYMS` ('input_sparsity'): the one they spell;
    else the nearest in spelling of as many words, each at least 3/4 alike ('rowz', 'adc', 'bits_per_cells'; not
    'output_bits' for input_bits, 'macros' for rows); else every field whose words end with theirs ('bits': input_bits,
    weight_bits, adc_bits); else the nearest of another count whose shorter name's words are each alike one of the
    other's (not a text field); a field with a unit only where ``tokens`` begin its words ('vdd': vdd_v, not 'vdd_nv'
    or 'latency_clk', whose units were not read); [] for none"""
    words = "_".join(_SYNONYMS.get(t, t) for t in tokens if t not in PERCENT).split("_")
    spelled = "_".join(words)
    if spelled in lower:
        return [lower[spelled]]
    joined = [k for k in lower if k.replace("_", "") == spelled.replace("_", "")]  # run together: 'adcbits'
    if joined:
        return [lower[joined[0]]]
    near = difflib.get_close_matches(spelled, lower, n=5)
    same = [k for k in near if len(k.split("_")) == len(words) and all(map(_alike, words, k.split("_")))]
    ending = sorted(k for k in lower if len(k.split("_")) > len(words) and k.split("_")[-len(words):] == words)
    other = [k for k in near if len(k.split("_")) != len(words) and lower[k] not in TEXT_FIELDS and all(
        any(_alike(a, b) for b in max(words, k.split("_"), key=len)) for a in min(words, k.split("_"), key=len))]
    for found in (same[:1], ending, other[:1]):
        found = [k for k in found if lower[k] not in unit_fields or words[:len(k.split("_"))] == k.split("_")
                 or k.split("_")[:len(words)] == words]
        if found:
            return [lower[k] for k in found]
    return []
