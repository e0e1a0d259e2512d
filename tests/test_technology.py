"""Stillmaker & Baas scaling: identities, published values, monotonicity, interpolation, errors."""

import math

import pytest

from cimsim.cost.technology import DELAY_HOLD_V, NODES_NM, area_scale, delay_scale, energy_scale

GRID_NM = [180, 150, 130, 90, 65, 45, 40, 32, 28, 22, 20, 16, 14, 12, 10, 7]


@pytest.mark.parametrize("node", GRID_NM)
def test_identity_at_same_node_and_supply(node):
    assert energy_scale(node, 0.9, node, 0.9) == 1.0
    assert delay_scale(node, 0.9, node, 0.9) == 1.0
    assert area_scale(node, node) == 1.0


def test_node_law_is_the_published_fits_at_0p9_volt():
    # Stillmaker & Baas corrigendum: energy factor 0.4571 at 32 nm, 0.9 V; 65 nm fit 3.755 V**2 - 4.398 V + 1.975
    e65 = 3.755 * 0.81 - 4.398 * 0.9 + 1.975
    assert energy_scale(65, 0.9, 32, 0.9) == pytest.approx(0.4571 / e65, rel=5e-4)  # published to 4 digits


def test_supply_law_is_dynamic_cv2():
    assert energy_scale(65, 1.3, 32, 0.9) == pytest.approx(energy_scale(65, 0.9, 32, 0.9) * (0.9 / 1.3) ** 2)
    for node in (180, 65, 22, 7):
        assert energy_scale(node, 0.6, node, 0.8) == pytest.approx((0.8 / 0.6) ** 2)


def test_tabulated_area_factors():
    assert area_scale(45, 32) == pytest.approx(0.46)
    assert area_scale(180, 45) == pytest.approx(1 / 19)
    assert area_scale(45, 7) == pytest.approx(0.059)


def test_energy_and_area_fall_monotonically_with_node():
    energies = [energy_scale(45, 0.9, n, 0.9) for n in GRID_NM]
    areas = [area_scale(45, n) for n in GRID_NM]
    assert all(a > b for a, b in zip(energies, energies[1:]))
    assert all(a > b for a, b in zip(areas, areas[1:]))


@pytest.mark.parametrize("nodes", [[180, 130, 90, 65, 45, 32], [20, 16, 14, 10, 7]])
def test_delay_falls_with_node_within_each_model_family(nodes):
    # bulk PTM (180-32 nm) and multi-gate PTM (20-7 nm) are each monotone; the fits put 20 nm
    # slightly slower than 32 nm at 0.9 V, which the paper's tables show too
    delays = [delay_scale(45, 0.9, n, 0.9) for n in nodes]
    assert all(a > b for a, b in zip(delays, delays[1:]))


@pytest.mark.parametrize("node", [180, 130, 90, 65, 45, 32, 20, 14, 7])
def test_energy_rises_with_supply(node):
    volts = [0.75, 0.8, 0.9, 1.0]
    factors = [energy_scale(node, 0.9, node, v) for v in volts]
    assert all(a < b for a, b in zip(factors, factors[1:]))


@pytest.mark.parametrize("node", [45, 32])
def test_energy_close_to_cv2_near_nominal(node):
    assert energy_scale(node, 0.9, node, 1.0) == pytest.approx((1.0 / 0.9) ** 2, rel=0.05)


def test_interpolation_is_log_log_between_tabulated_nodes():
    mid = math.sqrt(32 * 20)
    e32, e20 = energy_scale(45, 0.9, 32, 0.9), energy_scale(45, 0.9, 20, 0.9)
    assert energy_scale(45, 0.9, mid, 0.9) == pytest.approx(math.sqrt(e32 * e20))
    assert area_scale(45, mid) == pytest.approx(math.sqrt(0.46 * 0.21))


def test_factors_compose():
    assert energy_scale(90, 1.2, 28, 0.9) * energy_scale(28, 0.9, 7, 0.7) == pytest.approx(
        energy_scale(90, 1.2, 7, 0.7))
    assert delay_scale(90, 1.2, 28, 0.9) * delay_scale(28, 0.9, 7, 0.7) == pytest.approx(delay_scale(90, 1.2, 7, 0.7))
    assert area_scale(130, 22) * area_scale(22, 10) == pytest.approx(area_scale(130, 10))


def test_tabulated_nodes_span_180_to_7():
    assert NODES_NM[0] == 180 and NODES_NM[-1] == 7


@pytest.mark.parametrize("node", [5, 6.9, 181, 250])
def test_node_out_of_range_raises(node):
    with pytest.raises(ValueError, match="technology node"):
        energy_scale(45, 0.9, node, 0.9)
    with pytest.raises(ValueError, match="technology node"):
        area_scale(node, 45)


def test_bad_supply_raises():
    with pytest.raises(ValueError, match="supply voltage"):
        delay_scale(45, 0.0, 32, 0.9)
    with pytest.raises(ValueError, match="supply voltage"):
        energy_scale(45, 0.9, 32, -0.1)


@pytest.mark.parametrize("node, vdd, neighbours", [(40.0, 1.25, (45.0, 32.0)), (32.0, 1.25, (32.0,)),
                                                   (55.0, 1.5, (65.0, 45.0)), (32.0, 1.8, (32.0,))])
def test_a_fit_counts_only_where_it_is_used(node, vdd, neighbours):
    """past its hold supply a delay fit is held, so its values there are not used and do not refuse a supply (32 nm:
    -8.3 at 1.25 V; 45 nm: -29.6 at 1.5 V): a node at or between tabulated ones is priced from its neighbours' held
    factors, no faster than at the higher of their hold supplies"""
    held = max(DELAY_HOLD_V[n] for n in neighbours)
    assert held < vdd
    assert delay_scale(node, held, node, vdd) == pytest.approx(1.0)
    assert 0.0 < delay_scale(32, 0.9, node, vdd) < math.inf


@pytest.mark.parametrize("node", NODES_NM)
def test_delay_never_rises_with_supply(node):
    """the fits of 45, 32, 20 and 16 nm turn near their nominal supplies: beyond, the delay holds at the minimum"""
    supplies = [0.5 + 0.05 * k for k in range(13)]  # 0.5 .. 1.1 V: positive for every fit
    delays = [delay_scale(node, 0.9, node, v) for v in supplies]
    assert all(b <= a for a, b in zip(delays, delays[1:]))
    held = DELAY_HOLD_V[node]
    if held < 1.1:
        assert delay_scale(node, held, node, 1.1) == 1.0
        assert delay_scale(node, 0.9 * held, node, held) < 1.0


def test_hold_supply_is_the_fit_minimum_or_inflection():
    # 32 nm: derivative -3141 V**2 + 5964 V - 2797 = 0 -> V = (5964 - sqrt(5964**2 - 4 * 3141 * 2797)) / (2 * 3141)
    assert DELAY_HOLD_V[32.0] == pytest.approx((5964 - (5964**2 - 4 * 3141 * 2797) ** 0.5) / (2 * 3141))
    assert DELAY_HOLD_V[20.0] == pytest.approx(66.37 / (2 * 34.63))  # quadratic: -d1 / (2 d2)
    assert DELAY_HOLD_V[7.0] == pytest.approx(76.6 / (3 * 28.58))  # falls all the way: its inflection -d2 / (3 d3)
    assert DELAY_HOLD_V[65.0] == pytest.approx(230.4 / (3 * 53.3))


@pytest.mark.parametrize("node", [14.0, 10.0, 7.0])
def test_delay_of_the_smallest_nodes_does_not_vanish_above_nominal(node):
    """their cubics fall to zero near 1.3 V (7 nm: 0.016 at 1.3 V, 1/200 of its 0.7 V value); a circuit at 1.29 V
    is no faster than at the fit's inflection"""
    assert delay_scale(node, 0.7, node, 1.29) == delay_scale(node, 0.7, node, DELAY_HOLD_V[node]) > 0.7


def test_the_node_table_in_the_docs_is_the_codes():
    """docs/cost_baseline.md's node table (energy, delay at 0.9 V, area vs 45 nm) is what the laws give, to its
    printed digits (its delay column had kept the 32 nm fit's value past the minimum at which the code holds it)"""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "cost_baseline.md").read_text()
    rows = [line.split("|")[1:5] for line in text.splitlines() if line.startswith("| ") and "nm" not in line
            and line.split("|")[1].strip().split(" ")[0].isdigit()]
    rows = [r for r in rows if int(r[0].split()[0]) in NODES_NM or "interp" in r[0]]
    assert len(rows) == 8
    for node, energy, delay, area in rows:
        n = int(node.split()[0])
        for printed, value in ((energy, energy_scale(45, 0.9, n, 0.9)), (delay, delay_scale(45, 0.9, n, 0.9)),
                               (area, area_scale(45, n))):
            assert float(printed) == pytest.approx(value, rel=6e-3), (n, printed, value)
