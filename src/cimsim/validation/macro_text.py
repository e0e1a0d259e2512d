"""What a published-macro entry's free text says: how many cores its whole figures cover (its ``notes``, where it
states no ``cores``), whether its ``adc_type`` states no converter and which type it names, and whether a point's
figures are a whole system's or flagged unreliable."""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["n_core", "design_cores", "states_no_converter", "adc_type", "adc_type_hint", "system_level", "caution",
           "floating_point", "normalised", "stated_sparsity"]


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


_DASH = "[-\u2010\u2011\u2012\u2013\u2212\u00ad\u00a0 ]"
"""a hyphen as typed or as a PDF copies it (U+2010-2013, a minus, a soft hyphen), a space or a no-break space"""
_SPACE = "[ \t\u00a0]"
"""a space as typed or as a PDF copies it (a no-break space)"""
_DRAM = (rf"(?:(?:incl\.?|including|includes|with){_SPACE}+(?:the{_SPACE}+)?(?:off{_DASH}chip{_SPACE}+)?DRAM\b"
         rf"(?!{_DASH}?(?:based|like|type|less|CIM|PIM)\b|{_SPACE}*(?:(?!(?:and|to|per|for|or)\b)\w+{_SPACE}+)?"
         rf"(?:cells?|arrays?|macros?|CIM|PIM|technology)\b)"
         rf"|\bDRAM{_SPACE}+(?:access(?:es)?{_SPACE}+)?included\b)")
_SYSTEM = rf"system{_DASH}(?:level|(?:energy{_DASH}|power{_DASH})?efficiency)"
_SYSTEM_LEVEL = re.compile(rf"\b{_SYSTEM}\b|\b{_DRAM}", re.IGNORECASE)
"""a whole system's figure: 'system-level', 'system energy efficiency', 'including DRAM', 'DRAM included' (a probe:
only the first had been read)"""
_NOT_SYSTEM_LEVEL = re.compile("|".join((
    rf"(?:\b(?:not|no|excl\.?|excluding|excludes|without)|\bnon-?|w/o)(?:{_SPACE}+\w+){{0,2}}?{_SPACE}+{_SYSTEM}\b",
    rf"\bnon-{_SYSTEM}\b", rf"\b{_SYSTEM}{_SPACE}+(?:\w+{_SPACE}+)?(?:excluded|not{_SPACE}+(?:included|reported|given|"
    rf"stated|measured))\b",
    rf"\b{_SYSTEM}[{_SPACE[1:-1]}:(\u2014-]+(?:excluded|n/a|none|not{_SPACE}+(?:included|reported|given|stated|"
    rf"measured))", rf"\b(?:not|no|without){_SPACE}+{_DRAM}",
    rf"\bcompared{_SPACE}+(?:with|to){_SPACE}+(?:the{_SPACE}+)?DRAM\b")), re.IGNORECASE)
"""a negated mention: the negation a word or two before it, no comma or semicolon between ('no DRAM, system-level'
and 'non-volatile system-level' had been read as negated, a review)"""
_VERB = (r"\b(?:treat(?:ed|s|ing)?|use[ds]?|interpret(?:ed|s|ing)?|read(?:s|ing)?|tak(?:e[ns]?|ing)"
         r"|view(?:ed|s|ing)?|regard(?:ed|s|ing)?|handl(?:e[ds]?|ing))\b(?:[^.;,]|\.\d){0,40}?\bwith caution\b")
_CAUTION = re.compile(rf"(?:[^.]|\.\d)*{_VERB}[^.]*", re.IGNORECASE)
_NOT_CAUTION = re.compile(rf"\b(?:(?:need\s+)?not|never)\s+(?:to\s+)?(?:be\s+)?{_VERB}|\bno\s+need\b(?:[^.;]|\.\d)*?"
                          rf"\bto\s+{_VERB}|\bnot\s+necessary\s+to\s+{_VERB}", re.IGNORECASE)
"""figures to be treated, used, read ... with caution (a verb whole: 'readout', 'using' none; no comma between);
negated only where the negation governs that verb ('need not be treated', 'no need to treat', 'not necessary to
treat'; 'Not measured; treat with caution' and 'not verified so treat with caution' are cautions: reviews)"""


def system_level(text: str) -> bool:
    """whether a point's source or label says its figure is a whole system's (:data:`_SYSTEM_LEVEL`) in any case and
    dash, not negated ('not system-level', 'without any system-level', 'excl. system-level', 'system-level excluded',
    'not including DRAM'; only the source's 'system-level' and the label's 'system level' had been read, and a
    negated one was), and not after 'macro-level' ('macro-level; the system-level figure is 1.65')"""
    system = _SYSTEM_LEVEL.search(_NOT_SYSTEM_LEVEL.sub("", text))
    macro = re.search(rf"\bmacro(?:{_DASH}level|[ \t]+(?:energy[ \t]+)?efficiency)\b", text, re.IGNORECASE)
    return system is not None and not (macro and macro.start() < system.start())


_NORMALISED = re.compile(r"\bnormali[sz](?:ed|ation)\b", re.IGNORECASE)
_NOT_NORMALISED = re.compile(rf"\b(?:not|non|un|no|without|before|prior{_DASH}to)(?:{_SPACE}+\w+{_DASH[:-2]}]|"
                             rf"{_SPACE}+(?:1{_DASH}?b(?:it)?|technology|tech|node|voltage|supply|area|yet|any|bit|"
                             rf"precision){_DASH}|{_DASH})?normali[sz](?:ed|ation)\b|\b(?:batch|layer|group|instance|"
                             rf"weight|rms|spectral){_DASH}?normali[sz]ation\b", re.IGNORECASE)
"""a negated mention ('not technology-normalized', 'no normalization') or a network layer's ('batch normalization')"""
_SPARSITY = re.compile(r"(?<![\d.])(\d++(?:\.\d+)?)\s*(?:%|percent\b)[\s-]*(?:(?:input|weight|activation|data|bit)s?"
                       r"[\s-]+)?(?:sparsity|sparse|zeros)\b|"
                       r"\bsparsity\s*(?:(?:of|=|:)?\s*(\d+(?:\.\d+)?)\s*(?:%|percent\b)|"
                       r"(?:of|=|:)?\s*(0?\.\d+|1(?:\.0*)?(?=\s*(?:[,;)]|$)))(?![\d.])"
                       r"(?!\s*(?:[Vvx]|bits?|b|mV|[GM]Hz)\b))",
                       re.IGNORECASE)
"""a sparsity in percent ('90 %-sparsity', '90 percent sparsity', 'sparsity of 50 %') or as a share ('sparsity =
0.9')"""


def normalised(text: str) -> str | None:
    """the mention in a point's source or label that its figure is normalised (to 1b x 1b operands, a node, a
    supply: no raw measurement; 'un-normalised', 'before normalization' are raw), else None"""
    found = _NORMALISED.search(_NOT_NORMALISED.sub("", text))
    return found.group(0) if found else None


def stated_sparsity(text: str) -> str | None:
    """the mention in a point's source or label of a sparsity above 0 ('at 90 % input sparsity', 'sparsity of
    50 %', 'sparsity = 0.9'; not a bare number, 'sparsity 2021', nor negated, 'without 50 % sparsity'), else None"""
    return next((m.group(0) for m in _SPARSITY.finditer(text) if float(m.group(1) or m.group(2) or m.group(3)) > 0
                 and not re.search(r"\b(?:without|w/o|excl\.?|excluding|not(?:\s+at)?|no)(?:\s+exploiting)?\s*$",
                                   text[max(m.start() - 40, 0):m.start()], re.IGNORECASE)
                 and not re.match(r"\s*not\s+(?:exploited|used|applied)\b", text[m.end():], re.IGNORECASE)), None)


def caution(notes: str) -> str | None:
    """the sentence of an entry's ``notes`` that flags its figures as unreliable ('treat with caution', 'treat
    these figures with caution', 'use with caution', any case; not negated, 'need not be treated with caution'),
    else None"""
    return next((m.group(0).strip() for m in _CAUTION.finditer(notes) if not _NOT_CAUTION.search(m.group(0))), None)


_FLOATING = re.compile(r"\b(?:b?float\d{1,2}|bf16|(?:mx|nv|h)?fp\d{1,2}|tf32|float(?:ing)?[- ]?point|e[2-5]m[1-3]"
                       r"|[tgp]flop/?s)\b", re.IGNORECASE)
_INTEGER_MODE = re.compile(r"\bu?int-?\d{1,2}\s+mode\b", re.IGNORECASE)
_ACCUMULATOR = re.compile(r"[\s-]*(?:[\w-]+\s+)?(?:accumulat|partial[- ]sums?\b|psums?\b|baselines?\b|acc\.|top-?[15]"
                          r"\b|outputs?\b(?![- ](?:stationary|channel))|level\b|reference\s+model|(?:model|software)"
                          r"[:\s]+(?:acc|top|\d))", re.IGNORECASE)
"""words after a floating-point format that make it the accumulator's or the output's, or a reference the figure is
compared with ('FP32 baseline', 'FP32 acc. 76 %'), not an operand's ('output-stationary' is a dataflow; 'model',
'software' or 'reference' name no comparison: 'FP16 BERT model' is an operand's)"""
_COMPARED = re.compile(r"(?:\b(?:vs\.?|versus|than|compared (?:to|with)|relative to|against|iso-accuracy with|loss "
                       r"(?:vs\.?|versus|against|to)|(?:accuracy|gap) (?:of|to)|within [\d.]+ ?% of|(?:drop|loss|"
                       r"quanti[sz]ed|converted) from|close to)\s+(?:an?\s+|the\s+)?(?:full[- ]precision\s+)?)$",
                       re.IGNORECASE)
"""words before a floating-point format that make it what the figure is compared with ('0.5 % loss vs FP32')"""


def floating_point(*texts: str) -> str | None:
    """the floating-point format or unit a point's label or source names as an operand's ('BF16', 'bfloat16', 'FP8',
    'MXFP4', 'TFLOPS', 'floating-point'), else None: its figure is a floating-point macro's, which cimsim prices as
    integer MACs of the stated bits; not a format of the accumulator or outputs ('INT8 MACs, FP32 accumulation') nor
    a text naming an integer mode ('fp8/int8 reconfigurable, INT8 mode'), but 'BF16 (INT8 weights)' and 'INT8
    weights x BF16 activations' (an integer format first had hidden the second's floating point: a chips probe)"""
    for text in texts:
        if _INTEGER_MODE.search(text):
            continue
        operand = next((m for m in _FLOATING.finditer(text) if not _ACCUMULATOR.match(text, m.end())
                        and not _COMPARED.search(text[:m.start()])), None)
        if operand:
            return operand.group(0)
    return None


def states_no_converter(adc_type: str) -> bool:
    """``adc_type`` says the macro has no converter, in any case: 'none', 'no ADC', 'ADC-less', 'ADC-free', 'without
    ADC' (only 'none' had been read so: an analog macro's 'no ADC' was priced as a SAR, unsaid), with a remark after
    a bracket, punctuation or a spaced dash ('none (near-memory digital MAC)', 'no ADC: sense amplifiers': priced as
    a SAR, unsaid, too: a chips probe) that names no converter type ('none (sense amps + 3b flash)' is a flash: a
    review); not 'N/A', which entries write for a type not available"""
    said = re.fullmatch(r"(?:none|no (?:adcs?|converters?)|adc[ -]?(?:less|free)|without (?:an? )?adcs?)"
                        r"(?:(?:\s*[(\[:;,/+\u2013\u2014]|\s+-\s)(.*))?", adc_type.strip(), re.IGNORECASE | re.DOTALL)
    return said is not None and not any(_named(p, (said.group(1) or "").lower()) for _, p in _ADC_TYPE_WORDS)


_HOST = (r"host|CPU(?!-free|-less)|RISC-V|RV(?:32|64)\w*|MCU|ARM|Cortex[\w-]*|Ibex|x86|MIPS|micro-?controller"
         r"|(?:embedded|control|application|general-purpose) processor")
"""a host processor's words (not 'processor' alone: a CIM processor is the design itself, a review)"""
_OTHER_THINGS = re.compile(rf"\b(?:compar(?:ed?|es|ing|isons?)|than|versus|vs|prior(?! to)|previous|{_HOST})\b",
                           re.IGNORECASE)
"""words before a count in its clause that make it a count of something else than the design's own parallel cores:
other chips ('compared with 5 SRAM macros', 'vs. 4 CIM macros'), a host processor's cores ('RISC-V with 2 cores');
each had been read as the design's cores, its tops and area left out (a probe). After the count they say nothing of
it ('8 CIM macros and a RISC-V host', '64 CIM cores (vs. 1 core in prior work)': the design's, a review); nor do
'comparator', 'prior to' or 'CPU-free' (a review)"""
_HOST_CORES = re.compile(rf"\b(?:{_HOST})[ -]?cores\b", re.IGNORECASE)
"""a host processor's cores named between a count and 'cores' ('2 RISC-V cores and 16 CIM cores': a chips probe)"""
_HOST_BEFORE = re.compile(rf"\b(?:{_HOST})\b", re.IGNORECASE)
_KINDED = re.compile(r"\b(?:\w*CIM|IMC|PIM|PE|ReRAM|RRAM|PCM|MRAM|FeFET|comput\w*-in-memory|in-memory[- ]comput\w*)"
                     r"(?![a-z0-9])", re.IGNORECASE)
"""a count of a CIM kind ('16 CIM cores'): the design's, whatever host came before (reviews)"""
_OWNS = re.compile(r"(?:\b(?:with|has|having|holds|contains|includes|uses|its)|['\u2019]s)\s+$", re.IGNORECASE)
"""a word right before a count of macros after a host that makes them the host's ('an MCU with 2 SRAM macros', 'the
host's 2 SRAM macros'); else they are the design's ('A RISC-V host with a DMA engine controls 8 SRAM macros':
reviews)"""
_PART = r"(?:[\w-]*[A-Za-z][\w-]*[ -]){0,2}?(?:macro|core|bank|tile|array|sub-?array|PE|cluster)s?\b"
_EACH_PART = re.compile(rf"\b(?:each|every)\s+{_PART}", re.IGNORECASE)
"""one part's count follows ('Each macro has 4 banks'; not 'each of the 8 macros', 'every cycle': a chips probe and
a review)"""
_PER_PART = re.compile(rf"\s*(?:(?:per|(?:in|of|within|for|inside) (?:each|every))[\s-]+{_PART}"
                       rf"|\(per[\s-]+{_PART}(?=\s*[);,])|/\s*{_PART}|\s+each\b(?=\s*(?:[,;.)]|$|in\s+\d+\s+{_PART})))",
                       re.IGNORECASE)
"""after a count: it is one part's ('4 banks per macro', '4 banks (per macro)', '4 banks/macro', '4 banks in every
macro', '4 banks each,', '4 banks each in 8 macros'; not '16 cores per chip', 'the 8 macros each have 4 banks', '8
macros each run at', '8 CIM macros each in its own domain', '8 CIM macros (per-macro power gating)': reviews)"""
_CONTRAST = re.compile(r"\b(?:while|whereas|but|this (?:chip|work|design|macro|paper))\b", re.IGNORECASE)
"""where the words of another chip stop applying within a clause ('Prior work used 4 macros while this chip uses
16 CIM macros': 16)"""
_ABBREVIATIONS = "".join(rf"(?<!\b{a})(?<!\b{a.capitalize()})" for a in (
    "vs", "al", r"e\.g", r"i\.e", "cf", "ref", "fig", "no", "etc", "approx", "eq", "tab", "resp", "sec"))
_CLAUSE_END = re.compile(rf"[,;]|[.!?]\)?(?=\s+[A-Z]|\s*$)|{_ABBREVIATIONS}\.(?=\s)|[!?](?=\s)|:(?=\s*\n)")
"""where a clause ends: a comma, a semicolon, a full stop, '!' or '?' before a capital or the end, a full stop before
a space unless an abbreviation's ('vs.', 'et al.', 'e.g.', 'Ref.', 'Fig.', 'approx.': 'Ref. [5] with 4 CIM macros'
had been read), a colon at a line's end; not a decimal point ('0.9 V')"""


def n_core(notes: str) -> int | None:
    """cores ('N_core N', 'N_core: N', 'N cores', 'N <word> cores'), banks or macros ('N banks', 'N CIM macros',
    'N x 16Kb CIM macros', 'N compute-in-memory macros', 'N computing-in-memory macros', 'N DCIM macros', 'N STT-MRAM
    macros', 'N 6T-SRAM macros': a processor of several macros) an entry's ``notes`` give, else None ('a 2-core CPU
    host', 'four SRAM macros of [12]', '2 x 8 banks', 'N tiles' are not read, nor a count after one of
    :data:`_OTHER_THINGS` in its clause (:data:`_CLAUSE_END`), a host's cores ('2 RISC-V cores'), a part's count
    ('Each macro has 4 banks', '4 banks per macro'), nor banks in a clause that says ping-pong, which take turns: a
    chip states ``cores``)"""
    ends = [m.span() for m in _CLAUSE_END.finditer(notes)]  # (the whole text: a cut one ends where it is cut)
    host_end = last_end = 0  # where the last host's count, the last count ended: words before say nothing after
    for match in _N_CORE.finditer(notes):
        start = max((b for a, b in ends if b <= match.start()), default=0)
        end = min((a for a, b in ends if a >= match.end()), default=len(notes))
        banks = "bank" in match.group(0).lower() and "ping-pong" in notes[start:end].lower()
        since = max([start, host_end] + [m.end() for m in _CONTRAST.finditer(notes, start, match.start())])
        other = _OTHER_THINGS.search(notes, since, match.start())
        if other and _HOST_BEFORE.fullmatch(other.group(0)) and (_KINDED.search(match.group(0)) or (
                "macros" in match.group(0).lower() and not _OWNS.search(notes[other.end():match.start()]))):
            other = None  # a host before the design's own ('A RISC-V host controls 16 CIM cores')
        per = _PER_PART.match(notes, match.end())
        part = _EACH_PART.search(notes, max(start, last_end), match.start()) or per
        last_end = per.end() if per else match.end()
        if _HOST_CORES.search(match.group(0)) or (other and _HOST_BEFORE.fullmatch(other.group(0))):
            host_end = match.end()  # a host's count ('A RISC-V host with 2 cores and 16 CIM cores': 16)
        elif not (other or banks or part):
            return int(next(g for g in match.groups() if g))
    return None


def design_cores(values: Mapping[str, Any]) -> int | None:
    """the cores, banks or macros a design's whole figures cover: a macro's ``cores`` where it states them, else
    what its ``notes`` give (:func:`n_core`), else None"""
    return int(values["cores"]) if "cores" in values else n_core(str(values.get("notes", "")))


def adc_type(stated: str | None) -> str:
    """the ADC type a stated text names, in any case and wording ("4b flash ADC", "Integrating ADC", "single-slope
    (ramp)"): ramp for ramp, single- or dual-slope, integrating and counting converters and integrate-and-fire
    neurons (a count of up to 2**bits steps), vco for an oscillator (CCO / VCO),
    flash, sar (also "successive approximation"); a text naming several (a hybrid) is its SAR where it names one,
    else the first named; a text naming none is sar (the schema default, noted where a figure is compared)"""
    name = (stated or "").lower()
    found = {kind: m.start() for kind, pattern in _ADC_TYPE_WORDS if (m := _named(pattern, name))}
    return "sar" if not found or "sar" in found else min(found, key=found.get)


_NEGATORS = {"no", "non", "not", "neither", "nor", "without", "unlike", "replaces", "replacing", "instead of",
             "rather than"}
"""words that rule out the type (or list of types: 'no SAR or flash') right after them, a word between at most
('does not use SAR', 'replaces the power-hungry flash')"""
_JOINS = {"or", "and", "/", "&", "adc", "adcs", "converter", "converters", "a", "an", "the", "any", "use", "of"}
"""words that join a list of types under one negation, or that a type's name and an article take"""
_REPLACED = re.compile(r"(?:[\s-]+(?:adcs?|converters?))?,?\s+(?:(?:is|are|was|were|has been|have been|gets?|got)"
                       r"\s+)?replaced\b(?P<next>(?:\s+[\w-]+){0,3})")
"""after a type: it was replaced ('the SAR ADC is replaced by a flash', 'SAR replaced in v2'), unless a type follows
before 'by' or 'with' (an active 'ramp replaced flash' rules out its object: reviews)"""


def _ruled_out(before: str) -> bool:
    """whether the text ``before`` a type's word (from its clause's start) rules it out (:data:`_NEGATORS`): read
    back from the type, over articles and list words, at most one other word and, where no word stood between, other
    types of a list (a type after a word, 'instead of SAR we use flash', is that negation's, not this one's: reviews)"""
    if before.endswith("non-"):
        return True
    text = re.sub(r"\bno\.|\bnot (?:only|just)\b", " ", before.lower())  # 'No. of flash ADCs', 'not only SAR but'
    words = re.findall(r"[\w/&-]+", re.sub(r"n't\b", " not", text).replace("cannot", "can not"))
    other = 0
    for k in range(len(words) - 1, -1, -1):
        pair = " ".join(words[k - 1:k + 1]) if k else ""
        active = (words[k] == "replaced" and words[k + 1:k + 2] in ([], ["the"], ["a"], ["an"])  # 'ramp replaced SAR'
                  and words[k - 1:k] not in (["is"], ["are"], ["was"], ["were"], ["been"]))
        if words[k] in _NEGATORS or pair in _NEGATORS or active:
            return True
        if re.fullmatch(_ANY_TYPE, words[k]):
            if other:
                return False
        elif words[k] not in _JOINS:
            other += 1
            if other > 1:
                return False
    return False


def _named(pattern: str, name: str) -> re.Match | None:
    """the first place ``name`` names the type of the words ``pattern``, not ruled out by a '-free' or '-less' after
    it or its replacement ('CCO-free', 'flash-less', 'the SAR ADC was replaced by a flash': :data:`_REPLACED`) nor by
    a negation before it in its clause (:func:`_ruled_out`; a clause ends at a comma, a bracket, 'but' or a spaced
    dash: 'not SAR but flash', 'no SAR or flash; a ramp'; each had priced the type it rules out: a chips probe and
    reviews)"""
    breaks = [0] + [b.end() for b in re.finditer(r"[,;:()]|\bbut\b|\s[-\u2013\u2014]\s", name)]
    for m in re.finditer(pattern, name):
        start = breaks[bisect.bisect_right(breaks, m.start()) - 1]
        clause = name[max(start, m.start() - 200):m.start()]  # (a negation reaches a few words: linear time)
        replaced = _REPLACED.match(name, m.end())
        active = replaced and re.match(rf"(?:(?!\b(?:by|with)\b).)*?(?:{_ANY_TYPE})", replaced.group("next"))
        if not (re.match(r"[- ]?(?:free|less)\b", name[m.end():]) or (replaced and not active) or _ruled_out(clause)):
            return m
    return None


def adc_type_hint(stated: str) -> str:
    """' (no type named: did you mean "flash"?)' where ``stated`` names no ADC type (:func:`adc_type` then takes
    sar) yet one of the types' words is close to it (a misspelling: "flsh", "integratng"); '' otherwise"""
    name = stated.strip().lower()
    if any(re.search(pattern, name) for _, pattern in _ADC_TYPE_WORDS):  # a type's word, named or ruled out
        return ""
    words = ("sar", "flash", "ramp", "single-slope", "integrating", "vco", "cco", "oscillator")
    close = difflib.get_close_matches(name, words, n=1, cutoff=0.7)
    return f' (no type named: did you mean "{close[0]}"?)' if close else ""


_ADC_TYPE_WORDS = (("sar", r"\bsar\b|successive[- ]approximation"), ("flash", r"\bflash\b"),
                   ("ramp", r"\bramp\b|\b(single|dual)[- ]?slope\b|\bintegrating\b|\bcounting\b"
                            r"|integrate[- ]and[- ]fire"),
                   ("vco", r"\b(cco|vco)s?\b|oscillator"))
"""(type, the words that name it in a stated text)"""
_ANY_TYPE = "|".join(pattern for _, pattern in _ADC_TYPE_WORDS)
