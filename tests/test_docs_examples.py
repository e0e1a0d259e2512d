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
    printed there (they had gone stale when the ADC's ENOB law changed: 81 563 pJ against 81 699)"""
    import cimsim
    from cimsim.comparison import gains

    text = " ".join((ROOT / "docs" / "sweeps.md").read_text().split())
    said = re.search(r"`tops_per_mm2` is (\S+), (\S+) and (\S+) .*?`edp_gain` (\S+), (\S+) and (\S+) and `energy_pj` "
                     r"(\d+ \d+), (\d+ \d+) and (\d+ \d+) \(leakage (\d+ \d+) pJ", text)
    density, edp, energy, leakage = said.groups()[:3], said.groups()[3:6], said.groups()[6:9], said.group(10)
    for k, items in enumerate((1, 4, 540)):
        estimate = cimsim.estimate(ROOT / "configs" / "digits-cnn.toml", {"workload.vectors": items})
        cim, base = estimate.cim, estimate.baseline
        assert f"{sum(cim.energy_pj.values()) / items:,.0f}".replace(",", " ") == energy[k]
        assert _as_written(cim.tops_per_mm2, density[k]) and _as_written(gains(cim, base)["edp"], edp[k])
        if items == 1:
            assert f"{cim.energy_pj['leakage']:,.0f}".replace(",", " ") == leakage


def _as_written(value: float, text: str) -> bool:
    """whether ``value`` rounds to ``text`` at its decimals"""
    return abs(value - float(text)) <= 0.5 * 10.0 ** -len(text.partition(".")[2]) * (1 + 1e-9)
