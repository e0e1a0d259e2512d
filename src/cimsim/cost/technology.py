"""CMOS technology scaling between nodes and supply voltages (Stillmaker & Baas 2017).

Source: A. Stillmaker, B. Baas, "Scaling equations for the accurate prediction of CMOS device
performance from 180 nm to 7 nm", Integration, the VLSI Journal 58 (2017) 74-81,
doi:10.1016/j.vlsi.2017.02.002. The paper fits, per node, a cubic in the supply voltage to the
delay and a quadratic to the energy per operation of its benchmark circuits (HSPICE on PTM / ITRS
models), and tabulates area scaling factors between nodes. The coefficients below are the paper's
coefficient tables as transcribed in the UCLA NanoCAD ``nodeScale`` tool (github.com/wromaszkan/
nodeScale); the energy rows of 32 nm and 65 nm were checked against the authors' published
corrigendum (energy factor 0.4571 at 32 nm, 0.9 V). Below 65 nm the high-performance (HP) models are
used. Units of the fitted factors are arbitrary: only their ratios are used.

Energy: the node law is the fits' ratio between nodes at 0.9 V, the supply law the dynamic C V**2
(:func:`energy_scale`). Delay: the fits' cubic in V at each node (an alpha-power-like law). Nodes between
tabulated ones are interpolated log-linearly in log(node) (each neighbour's factor is taken at the same
supply first, as that node uses it). A CMOS delay falls with the supply ever more slowly (an alpha-power law: falling
and convex in V); each cubic is used where it is so, up to its minimum or its inflection, whichever comes first, and
held there beyond (:data:`DELAY_HOLD_V`): its values past that point are never used, nor checked. A factor that is not
positive where it is used is rejected with ValueError. The delay fits are not monotone in node (at 0.9 V the 20 nm
FinFET row is 1.25x the 32 nm planar one's delay, 16 nm 0.82x): kept as the source gives them.
"""

from __future__ import annotations

import functools
import math

from ..argcheck import finite_float

__all__ = ["NODES_NM", "ENERGY_REFERENCE_VDD_V", "DELAY_HOLD_V", "SLOW_LOGIC_NOTED", "energy_scale", "delay_scale",
           "area_scale", "stated_clock_note"]

# node_nm: (d3, d2, d1, d0) -- delay factor = d3*V^3 + d2*V^2 + d1*V + d0 (Stillmaker & Baas 2017, delay table)
_DELAY_COEFFS: dict[float, tuple[float, float, float, float]] = {
    180.0: (0.0, 97.09, -356.7, 406.5),
    130.0: (-76.65, 334.9, -493.4, 275.8),
    90.0: (-60.34, 262.5, -384.2, 210.9),
    65.0: (-53.3, 230.4, -333.9, 178.6),
    45.0: (-501.6, 1567.0, -1619.0, 566.1),
    32.0: (-1047.0, 2982.0, -2797.0, 873.5),
    20.0: (0.0, 34.63, -66.37, 41.15),
    16.0: (0.0, 24.8, -47.52, 28.87),
    14.0: (-40.66, 109.2, -100.6, 35.92),
    10.0: (-34.95, 93.65, -85.99, 30.4),
    7.0: (-28.58, 76.6, -70.26, 24.69),
}

# node_nm: (e2, e1, e0) -- energy factor = e2*V^2 + e1*V + e0 (Stillmaker & Baas 2017, energy table;
# 32 nm and 65 nm rows as in the corrigendum)
_ENERGY_COEFFS: dict[float, tuple[float, float, float]] = {
    180.0: (0.0, 24.64, -17.98),
    130.0: (7.171, -6.709, 2.904),
    90.0: (4.762, -4.781, 2.092),
    65.0: (3.755, -4.398, 1.975),
    45.0: (1.018, -0.3107, 0.1539),
    32.0: (0.8367, -0.4341, 0.1701),
    20.0: (0.373, -0.1582, 0.04104),
    16.0: (0.2958, -0.1241, 0.03024),
    14.0: (0.2363, -0.09675, 0.02239),
    10.0: (0.2068, -0.09311, 0.02375),
    7.0: (0.1776, -0.09097, 0.02447),
}

# node_nm: area relative to 45 nm (Stillmaker & Baas 2017, area scaling table, the 45 nm row)
_AREA_REL_45NM: dict[float, float] = {
    180.0: 19.0, 130.0: 6.4, 90.0: 2.8, 65.0: 1.5, 45.0: 1.0, 32.0: 0.46,
    20.0: 0.21, 16.0: 0.19, 14.0: 0.17, 10.0: 0.1, 7.0: 0.059,
}

NODES_NM: tuple[float, ...] = tuple(sorted(_ENERGY_COEFFS, reverse=True))
"""tabulated technology nodes, nanometres (largest first)"""


_PLAIN = (float, int)
"""the types a node is compared as it comes (anything else is converted by finite_float)"""


def _check_node(name: str, node_nm: float) -> float:
    """``node_nm`` as a float within the tabulated nodes, else a ValueError naming ``name``"""
    node = node_nm if type(node_nm) in _PLAIN else finite_float(node_nm)
    if node is None or not (NODES_NM[-1] <= node <= NODES_NM[0]):
        raise ValueError(f"{name}: technology node must be a number in [{NODES_NM[-1]:g}, {NODES_NM[0]:g}] nm; got "
                         f"{node_nm!r}")
    return float(node)


def _neighbours(node_nm: float) -> tuple[float, float, float]:
    """(larger tabulated node, smaller tabulated node, weight of the smaller one in log(node); a checked node)"""
    big, small = next((b, s) for b, s in zip(NODES_NM, NODES_NM[1:]) if node_nm >= s)
    return big, small, math.log(big / node_nm) / math.log(big / small)


def _loglog(node_nm: float, factor_at) -> float:
    big, small, t = _neighbours(node_nm)
    if t == 0.0:
        return factor_at(big)
    if t == 1.0:
        return factor_at(small)
    return math.exp((1.0 - t) * math.log(factor_at(big)) + t * math.log(factor_at(small)))


def _positive(value: float, what: str, node_nm: float, vdd_v: float) -> float:
    if not value > 0.0:
        raise ValueError(
            f"supply {vdd_v:g} V is outside the range of the Stillmaker & Baas {what} fit of the "
            f"{node_nm:g} nm node (fitted factor {value:.3g} is not positive); use a supply near the node's nominal")
    return value


@functools.lru_cache(maxsize=4096)  # pure, and asked thousands of times a network's pricing
def _energy_factor(node_nm: float, vdd_v: float) -> float:
    def at(node: float) -> float:
        e2, e1, e0 = _ENERGY_COEFFS[node]
        return _positive(e2 * vdd_v**2 + e1 * vdd_v + e0, "energy", node, vdd_v)
    return _loglog(node_nm, at)


def _cubic(coeffs: tuple[float, float, float, float], v: float) -> float:
    d3, d2, d1, d0 = coeffs
    return ((d3 * v + d2) * v + d1) * v + d0


def _hold_v(coeffs: tuple[float, float, float, float]) -> float:
    """the supply beyond which a delay fit stops being falling and convex (inf where it never does): the first of
    its minimum (a zero of 3 d3 V**2 + 2 d2 V + d1 where the second derivative 6 d3 V + 2 d2 is positive) and its
    inflection (-d2 / (3 d3), where d3 < 0)"""
    d3, d2, d1, _ = coeffs
    if d3 == 0.0:
        return -d1 / (2.0 * d2) if d2 > 0.0 else math.inf
    inflection = -d2 / (3.0 * d3) if d3 < 0.0 else math.inf
    disc = (2.0 * d2) ** 2 - 12.0 * d3 * d1
    if disc < 0.0:
        return inflection
    minima = [v for v in ((-2.0 * d2 + r) / (6.0 * d3) for r in (math.sqrt(disc), -math.sqrt(disc)))
              if v > 0.0 and 6.0 * d3 * v + 2.0 * d2 > 0.0]
    return min(minima + [inflection])


DELAY_HOLD_V: dict[float, float] = {node: _hold_v(c) for node, c in _DELAY_COEFFS.items()}
"""node_nm -> supply beyond which the delay is held, V: 45, 32, 20 and 16 nm fits turn at their minimum (0.95, 0.85,
0.96 and 0.96 V, near their nominal supplies) and rise beyond, which no circuit does; 14, 10 and 7 nm fits inflect
at 0.89 V and fall to zero near 1.3 V; 130, 90 and 65 nm inflect at 1.44-1.46 V. From there on the delay is held
(no further speed-up: conservative)"""


@functools.lru_cache(maxsize=4096)  # pure, and asked thousands of times a network's pricing
def _delay_factor(node_nm: float, vdd_v: float) -> float:
    def at(node: float) -> float:  # as used: held beyond the node's hold supply
        return _positive(_cubic(_DELAY_COEFFS[node], min(vdd_v, DELAY_HOLD_V[node])), "delay", node, vdd_v)
    return _loglog(node_nm, at)


def _check_vdd(name: str, vdd_v: float) -> float:
    """``vdd_v`` as a float > 0, else a ValueError naming ``name``"""
    vdd = vdd_v if type(vdd_v) is float else finite_float(vdd_v)
    if vdd is None or not 0.0 < vdd < math.inf:
        raise ValueError(f"{name}: supply voltage must be a finite number > 0 V; got {vdd_v!r}")
    return vdd


def _checked(from_node_nm, from_vdd_v, to_node_nm, to_vdd_v) -> tuple[float, float, float, float]:
    """the arguments of a scaling between (node, supply) pairs, checked: nodes tabulated, supplies > 0 V"""
    return (_check_node("from_node_nm", from_node_nm), _check_vdd("from_vdd_v", from_vdd_v),
            _check_node("to_node_nm", to_node_nm), _check_vdd("to_vdd_v", to_vdd_v))


ENERGY_REFERENCE_VDD_V = 0.9
"""supply at which the node law of the energy is taken from the Stillmaker & Baas fits, V (every tabulated fit is
positive there; 32 nm's nominal and the supply of the paper's corrigendum example)"""


def energy_scale(from_node_nm: float, from_vdd_v: float, to_node_nm: float, to_vdd_v: float) -> float:
    """Factor to multiply a dynamic energy at (from_node_nm, from_vdd_v) by to get it at (to_node_nm, to_vdd_v):
    the Stillmaker & Baas energy fits' ratio between the nodes at 0.9 V, times (to_vdd / from_vdd)**2.

    The supply law is the dynamic C V**2 of switched capacitance (the circuit, its clock and its activity
    unchanged), not the fits' own polynomial in V: those describe the paper's benchmark circuits run at the speed
    each supply allows, with their leakage, and are flatter than V**2 below nominal supply and steeper above
    (65 nm: 1.25x from 0.6 to 0.8 V against 1.78x)."""
    from_node_nm, from_vdd_v, to_node_nm, to_vdd_v = _checked(from_node_nm, from_vdd_v, to_node_nm, to_vdd_v)
    node_ratio = (_energy_factor(to_node_nm, ENERGY_REFERENCE_VDD_V)
                  / _energy_factor(from_node_nm, ENERGY_REFERENCE_VDD_V))
    return node_ratio * (to_vdd_v / from_vdd_v) ** 2


def delay_scale(from_node_nm: float, from_vdd_v: float, to_node_nm: float, to_vdd_v: float) -> float:
    """Factor to multiply a delay at (from_node_nm, from_vdd_v) by to get it at (to_node_nm, to_vdd_v)."""
    from_node_nm, from_vdd_v, to_node_nm, to_vdd_v = _checked(from_node_nm, from_vdd_v, to_node_nm, to_vdd_v)
    return _delay_factor(to_node_nm, to_vdd_v) / _delay_factor(from_node_nm, from_vdd_v)


def area_scale(from_node_nm: float, to_node_nm: float) -> float:
    """Factor to multiply an area at from_node_nm by to get it at to_node_nm (supply-independent)."""
    from_node_nm, to_node_nm = _check_node("from_node_nm", from_node_nm), _check_node("to_node_nm", to_node_nm)
    return _loglog(to_node_nm, _AREA_REL_45NM.__getitem__) / _loglog(from_node_nm, _AREA_REL_45NM.__getitem__)


SLOW_LOGIC_NOTED = 2.0
"""slow-down of logic at a config's supply against 0.9 V (the delay law) from which a stated clock is flagged"""


def stated_clock_note(node_nm: float, vdd_v: float, field: str, clock_ghz: float) -> str:
    """A clause for a report line that gives a clock (``field``: 'technology.clock_ghz', 'baseline.clock_ghz', stated
    or its default), where the delay law makes logic at ``vdd_v`` at least :data:`SLOW_LOGIC_NOTED` times slower than
    at 0.9 V: the clock is taken as given (the law slows the converters, not the clock), and what it asks of the
    logic is said as the clock it equals at 0.9 V (1 MHz at 0.6 V had been told to come down to one the supply
    reaches, as 1 GHz was, and a default clock called stated: a chips probe); '' otherwise."""
    slower = delay_scale(node_nm, ENERGY_REFERENCE_VDD_V, node_nm, vdd_v)
    if slower < SLOW_LOGIC_NOTED:
        return ""
    return (f" (as given in '{field}': logic at {vdd_v:g} V is {slower:.3g}x slower than at "
            f"{ENERGY_REFERENCE_VDD_V:g} V by the Stillmaker & Baas delay fit, which slows the converters, not this "
            f"clock: it asks of the logic what {_ghz(clock_ghz * slower)} would at {ENERGY_REFERENCE_VDD_V:g} V; lower "
            "it where this supply cannot reach that)")


def _ghz(value: float) -> str:
    """a clock in GHz, or MHz below 1 GHz"""
    return f"{value:.3g} GHz" if value >= 1 else f"{value * 1000:.3g} MHz"
