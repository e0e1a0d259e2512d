"""What a published-macro entry's free text says: how many cores its whole figures cover (its ``notes``, where it
states no ``cores``) and whether its ``adc_type`` states no converter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["n_core", "design_cores", "states_no_converter"]


_KIND = (r"(?:\w+-)?(?:\w*CIM|IMC|PIM|SRAM|ReRAM|RRAM|PCM|MRAM|FeFET|PE|analog|digital|comput\w*-in-memory"
         r"|in-memory[- ]comput\w*)")
_UNITS = r"(?:cores|banks|tiles)"
_N_CORE = re.compile(rf"N_core\s*[:=]?\s*(\d{{1,9}})\b|(?<![\d.,])\b(\d{{1,4}}) ?[x\u00d7] ?(\d{{1,4}}) "
                     rf"(?:[A-Za-z][\w-]* )?(?:{_UNITS}|macros)\b"
                     rf"|(?<![\d.,])(?<![x\u00d7] )\b(\d{{1,9}}) (?:[A-Za-z][\w-]* )?{_UNITS}\b"
                     rf"|(?<![\d.,])(?<![x\u00d7] )\b(\d{{1,9}}) (?:x [\w.]+ )?(?:{_KIND}[\w-]*[ -])?macros\b",
                     re.IGNORECASE)
"""(not 400 digits; a number whole: '1,024 cores' had read as 24, '1.5 cores' as 5; 'N x M banks' a product: it
had read as M)"""


def states_no_converter(adc_type: str) -> bool:
    """``adc_type`` says the macro has no converter, in any case: 'none', 'N/A', 'no ADC', 'ADC-less', 'ADC-free',
    'without ADC' (only 'none' had been read so: an analog macro's 'no ADC' was priced as a SAR, unsaid)"""
    return re.fullmatch(r"none|n/?a|no (?:adcs?|converters?)|adc[ -]?(?:less|free)|without (?:an? )?adcs?",
                        adc_type.strip(), re.IGNORECASE) is not None


def n_core(notes: str) -> int | None:
    """cores ('N_core N', 'N_core: N', 'N cores', 'N <word> cores'), banks, tiles or macros ('N banks', 'N tiles',
    'N CIM macros', 'N x 16Kb CIM macros', 'N compute-in-memory macros', 'N computing-in-memory macros', 'N DCIM
    macros', 'N STT-MRAM macros', 'N 6T-SRAM macros': a processor of several macros; 'N x M banks' their product) an
    entry's ``notes`` give, else None ('a 2-core CPU host', 'four SRAM macros of [12]' are not read: a chip states
    ``cores``)"""
    match = _N_CORE.search(notes)
    if not match:
        return None
    if match.group(2):
        return int(match.group(2)) * int(match.group(3))
    return int(next(g for g in match.groups() if g))


def design_cores(values: Mapping[str, Any]) -> int | None:
    """the cores, banks or macros a design's whole figures cover: a macro's ``cores`` where it states them, else
    what its ``notes`` give (:func:`n_core`), else None"""
    return int(values["cores"]) if "cores" in values else n_core(str(values.get("notes", "")))
