"""What a published-macro entry's free text says: how many cores its whole figures cover (its ``notes``, where it
states no ``cores``), whether its ``adc_type`` states no converter, and whether a point's figures are a whole
system's or flagged unreliable."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["n_core", "design_cores", "states_no_converter", "system_level", "caution", "floating_point"]


_KIND = (r"(?:\w+-)?(?:\w*CIM|IMC|PIM|SRAM|ReRAM|RRAM|PCM|MRAM|FeFET|PE|analog(?:ue)?|digital|comput\w*-in-memory"
         r"|in-memory[- ]comput\w*)(?![a-z0-9])")
_TIMES = "\u00d7\u2a2f\u2715\u22c5\u00b7\u2217"
"""product signs a paper writes between an array's sides (the times sign and its look-alikes, middle dots)"""
_NOT_A_TAIL = (rf"(?<![\d.,{_TIMES}])(?<!\bx[ \u00a0])(?<![{_TIMES}][ \u00a0])(?<!\d by[ \u00a0])(?<!-by-)(?<!\d\*)"
               r"(?<!\d \* )(?<!- by - )\b")
_N_CORE = re.compile(rf"N_core\s*[:=]?\s*(\d{{1,9}})\b|{_NOT_A_TAIL}(\d{{1,9}}) (?:[A-Za-z][\w-]* )?(?:cores|banks)\b"
                     rf"|{_NOT_A_TAIL}(\d{{1,9}}) (?:[x{_TIMES}] [\d.]+ ?[KMG]i?b(?:its?)? )?"
                     rf"(?:{_KIND}[\w-]*[ -]){{0,2}}macros\b", re.IGNORECASE)
"""(not 400 digits; a number whole: '1,024 cores' had read as 24, '1.5 cores' as 5; nor the tail of a product,
'2 x 8 banks', '256 x 256 RRAM macros', 256 times-sign 256, '256 by 256', '256-by-256', '256 * 256', an array's size
as often as a count: not read, but a count after 'by' ('composed by 4 macros') and a macro's size in bits, 'N x 16Kb
CIM macros'; two kind words, '4 analog CIM macros'; a kind word whole: '3 high-performance macros' had read its
'pe')"""


_DASH = "[-\u2010\u2011\u2012\u2013 ]"
"""a hyphen as typed or as a PDF copies it (U+2010-2013), or a space"""
_SYSTEM_LEVEL = re.compile(rf"\bsystem{_DASH}level\b", re.IGNORECASE)
_NOT_SYSTEM_LEVEL = re.compile(rf"\b(?:not|no|non|excl\.?|excluding|excludes|without|w/o)(?:\W+\w+){{0,2}}?\W+"
                               rf"system{_DASH}level\b|\bsystem{_DASH}level\W+(?:\w+\W+)?(?:excluded|not included)\b",
                               re.IGNORECASE)
_CAUTION = re.compile(r"[^.]*\bwith caution\b[^.]*", re.IGNORECASE)
_NOT_CAUTION = re.compile(r"\b(?:not|never|no need)\b[^.]*\bwith caution", re.IGNORECASE)


def system_level(text: str) -> bool:
    """whether a point's source or label says its figure is a whole system's: 'system-level' or 'system level' in
    any case and dash, not negated ('not system-level', 'without any system-level', 'excl. system-level',
    'system-level excluded'; only the source's 'system-level' and the label's 'system level' had been read, and a
    negated one was)"""
    return _SYSTEM_LEVEL.search(_NOT_SYSTEM_LEVEL.sub("", text)) is not None


def caution(notes: str) -> str | None:
    """the sentence of an entry's ``notes`` that flags its figures as unreliable ('treat with caution', 'treat
    these figures with caution', 'use with caution', any case; not negated, 'need not be treated with caution'),
    else None"""
    return next((m.group(0).strip() for m in _CAUTION.finditer(notes) if not _NOT_CAUTION.search(m.group(0))), None)


_FLOATING = re.compile(r"\b(?:b?float\d{1,2}|bf16|(?:mx|nv|h)?fp\d{1,2}|tf32|float(?:ing)?[- ]?point|e[2-5]m[1-3]"
                       r"|[tgp]flop/?s)\b", re.IGNORECASE)
_INTEGER = re.compile(r"\b(?:u?int\d{1,2}|integer)\b", re.IGNORECASE)


def floating_point(*texts: str) -> str | None:
    """the floating-point format or unit a point's label or source names ('BF16', 'bfloat16', 'FP8', 'MXFP4',
    'TFLOPS', 'floating-point'), else None: its figure is a floating-point macro's, which cimsim prices as integer
    MACs of the stated bits; not a text that names an integer format too ('INT8 MACs, FP32 accumulation', 'fp8/int8
    reconfigurable, INT8 mode': a review)"""
    match = next((m for t in texts if not _INTEGER.search(t) and (m := _FLOATING.search(t))), None)
    return match.group(0) if match else None


def states_no_converter(adc_type: str) -> bool:
    """``adc_type`` says the macro has no converter, in any case: 'none', 'no ADC', 'ADC-less', 'ADC-free', 'without
    ADC' (only 'none' had been read so: an analog macro's 'no ADC' was priced as a SAR, unsaid); not 'N/A', which
    entries write for a type not available"""
    return re.fullmatch(r"none|no (?:adcs?|converters?)|adc[ -]?(?:less|free)|without (?:an? )?adcs?",
                        adc_type.strip(), re.IGNORECASE) is not None


_OTHER_THINGS = re.compile(r"\b(?:compar\w*|than|versus|vs|prior|previous|host|CPU|RISC-V|MCU|micro-?controller)\b",
                           re.IGNORECASE)
"""words before a count in its clause that make it a count of something else than the design's own parallel cores:
other chips ('compared with 5 SRAM macros', 'vs. 4 CIM macros'), a host processor's cores ('RISC-V with 2 cores');
each had been read as the design's cores, its tops and area left out (a probe). After the count they say nothing of
it ('8 CIM macros and a RISC-V host', '64 CIM cores (vs. 1 core in prior work)': the design's, a review)"""
_CLAUSE_END = re.compile(r"[,;]|(?<!\bvs)(?<!\bal)(?<!\be\.g)(?<!\bi\.e)(?<!\bcf)\.(?=\s|$)", re.IGNORECASE)
"""where a clause ends: a comma, a semicolon, or a full stop before a space (not a decimal point, '0.9 V', nor an
abbreviation's, 'vs.', 'et al.', 'e.g.', 'i.e.', 'cf.')"""


def n_core(notes: str) -> int | None:
    """cores ('N_core N', 'N_core: N', 'N cores', 'N <word> cores'), banks or macros ('N banks', 'N CIM macros',
    'N x 16Kb CIM macros', 'N compute-in-memory macros', 'N computing-in-memory macros', 'N DCIM macros', 'N STT-MRAM
    macros', 'N 6T-SRAM macros': a processor of several macros) an entry's ``notes`` give, else None ('a 2-core CPU
    host', 'four SRAM macros of [12]', '2 x 8 banks', 'N tiles' are not read, nor a count after one of
    :data:`_OTHER_THINGS` in its clause (:data:`_CLAUSE_END`), nor ping-pong banks, which take turns: a chip states
    ``cores``)"""
    for match in _N_CORE.finditer(notes):
        start = max((m.end() for m in _CLAUSE_END.finditer(notes, 0, match.start())), default=0)
        if not _OTHER_THINGS.search(notes, start, match.start()) and "ping-pong" not in notes[
                match.start():match.end() + 15].lower():
            return int(next(g for g in match.groups() if g))
    return None


def design_cores(values: Mapping[str, Any]) -> int | None:
    """the cores, banks or macros a design's whole figures cover: a macro's ``cores`` where it states them, else
    what its ``notes`` give (:func:`n_core`), else None"""
    return int(values["cores"]) if "cores" in values else n_core(str(values.get("notes", "")))
