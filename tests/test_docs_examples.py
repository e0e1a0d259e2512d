"""Every Python example in docs/ runs as written: a page's ```python blocks in order, in one namespace (as a
reader pastes them), from the repository root. Signature listings are fenced as ```text, and the scripts that
reproduce a page's measured tables (minutes long) as ```python measurement: those are not run here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p for p in (ROOT / "docs").glob("*.md") if "```python\n" in p.read_text())


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_python_examples_of_a_page_run(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    for k, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), re.S)):
        exec(compile(block, f"{page.name} example {k + 1}", "exec"), namespace)


def test_the_pages_hold_examples():
    assert {"models.md", "networks.md"} <= {p.name for p in PAGES}
    assert "```python measurement\n" in (ROOT / "docs" / "irdrop.md").read_text()


def test_the_sweep_pages_worked_example_is_what_an_estimate_gives():
    """docs/sweeps.md's figures for configs/digits-cnn.toml at 1, 4 and 540 items are the analytic point's, as
    printed there, every one (they had gone stale when the ADC's ENOB law changed: 81 563 pJ against 81 699)"""
    import cimsim
    from cimsim.comparison import gains

    text = " ".join((ROOT / "docs" / "sweeps.md").read_text().split())
    n, pair = r"(\d[\d.]*(?: \d{3})*)", r"(\d[\d.]*(?: \d{3})*) and (\d[\d.]*(?: \d{3})*)"
    said = re.search(
        rf"`latency_ns` {n} and `throughput_per_s` {n} at each, while `tops_per_mm2` is {n}, {pair} \(steady state "
        rf"{n}\), `latency_gain` {n}, {pair} \(`throughput_gain` {n} at each\), `edp_gain` {n}, {pair} and "
        rf"`energy_pj` {n}, {pair} \(leakage {n} pJ of it at 1 item, {n} at 540; the rest {pair} at 1 and 4\)", text)
    g = [v.replace(" ", "") for v in said.groups()]
    points = {}
    for items in (1, 4, 540):
        estimate = cimsim.estimate(ROOT / "configs" / "digits-cnn.toml", {"workload.vectors": items})
        points[items] = estimate.cim, gains(estimate.cim, estimate.baseline)
    for k, (cim, gain) in enumerate(points.values()):
        total = sum(cim.energy_pj.values()) / (1, 4, 540)[k]
        assert _as_written(cim.item_latency_ns, g[0]) and _as_written(cim.throughput_items_per_s, g[1])
        assert _as_written(cim.tops_per_mm2, g[2 + k]) and _as_written(gain["latency"], g[6 + k])
        assert _as_written(gain["throughput"], g[9]) and _as_written(gain["edp"], g[10 + k])
        assert _as_written(total, g[13 + k])
    assert _as_written(points[1][0].energy_pj["leakage"], g[16])
    assert _as_written(points[540][0].energy_pj["leakage"] / 540, g[17])
    for k, items in enumerate((1, 4)):
        cim = points[items][0]
        assert _as_written((sum(cim.energy_pj.values()) - cim.energy_pj["leakage"]) / items, g[18 + k])
    cim = points[540][0]  # the steady state: 2 ops a MAC at the steady rate over the area
    assert _as_written(2 * cim.macs / cim.mvms * cim.throughput_items_per_s / 1e12 / cim.area_mm2, g[5])


def _as_written(value: float, text: str) -> bool:
    """whether ``value`` rounds to ``text`` at its decimals"""
    return abs(value - float(text)) <= 0.5 * 10.0 ** -len(text.partition(".")[2]) * (1 + 1e-9)
