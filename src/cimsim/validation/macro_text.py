"""What a published-macro entry's free text says: how many cores its whole figures cover (its ``notes``, where it
states no ``cores``) and whether its ``adc_type`` states no converter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["n_core", "design_cores", "states_no_converter"]


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


def states_no_converter(adc_type: str) -> bool:
    """``adc_type`` says the macro has no converter, in any case: 'none', 'no ADC', 'ADC-less', 'ADC-free', 'without
    ADC' (only 'none' had been read so: an analog macro's 'no ADC' was priced as a SAR, unsaid); not 'N/A', which
    entries write for a type not available"""
    return re.fullmatch(r"none|no (?:adcs?|converters?)|adc[ -]?(?:less|free)|without (?:an? )?adcs?",
                        adc_type.strip(), re.IGNORECASE) is not None


def n_core(notes: str) -> int | None:
    """cores ('N_core N', 'N_core: N', 'N cores', 'N <word> cores'), banks or macros ('N banks', 'N CIM macros',
    'N x 16Kb CIM macros', 'N compute-in-memory macros', 'N computing-in-memory macros', 'N DCIM macros', 'N STT-MRAM
    macros', 'N 6T-SRAM macros': a processor of several macros) an entry's ``notes`` give, else None ('a 2-core CPU
    host', 'four SRAM macros of [12]', '2 x 8 banks', 'N tiles' are not read: a chip states ``cores``)"""
    match = _N_CORE.search(notes)
    return int(next(g for g in match.groups() if g)) if match else None


def design_cores(values: Mapping[str, Any]) -> int | None:
    """the cores, banks or macros a design's whole figures cover: a macro's ``cores`` where it states them, else
    what its ``notes`` give (:func:`n_core`), else None"""
    return int(values["cores"]) if "cores" in values else n_core(str(values.get("notes", "")))
