"""The numbers of a report's dict, as the tests of bad input check them."""

from __future__ import annotations


def report_numbers(value):
    """every number of a report's dict, its non-finite ones read back from the strings to_dict writes them as (an
    exact result's SNR, "inf" by definition, left out)"""
    if isinstance(value, dict):
        for k, v in value.items():
            if not (k == "snr_db" and v == "inf"):
                yield from report_numbers(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from report_numbers(v)
    elif isinstance(value, float) or value in ("inf", "-inf", "nan"):
        yield float(value)
