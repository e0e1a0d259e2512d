"""The on-chip network: a 2-D mesh of tiles, one router per tile; energy per bit-hop, hop counts, area.

Router (ISAAC, Shafiee et al., ISCA 2016, tile table): one router shared by 4 tiles draws 42 mW on
0.151 mm2 at 32 nm. CiMLoop's component library turns that power into energy per transfer
(Accelergy-Project/hwcomponents-library, ``hwcomponents_library/library/isaac.py``, ``IsaacRouter``:
20.74 pJ per 256-bit flit, router bandwidth taken equal to the tile's eDRAM bandwidth), i.e.
0.0810 pJ per bit per router crossed; a 256-bit link is that library's router width. Each tile here has
a quarter of ISAAC's router (``IsaacRouterSharedByFour``: the area divided by four).

Hops. The tiles in use are laid out row-major, in layer order, on a mesh ``ceil(sqrt(T))`` tiles wide;
the global buffer and the DRAM interface hang on the router of tile 0 at (0, 0). A bit moved between
the global buffer and the tile at (x, y) crosses x + y + 1 routers (one bit-hop per router).

Time. Routers are pipelined (wormhole or virtual cut-through, as mesh routers are built): a transfer of f
flits over h hops reaches its end after f + h clock cycles, its head flit's h cycles of latency paid once,
but holds each link only f cycles, so successive items' transfers overlap in the routers and a steady stream
of them is bounded by the flits alone, never by the hops.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..argcheck import check_int, check_real, checked_types
from ..config.schema import TechnologyConfig
from .adc import ISAAC_NODE_NM, ISAAC_VDD_V
from .technology import area_scale, energy_scale

__all__ = [
    "ISAAC_ROUTER_ENERGY_PJ_PER_BIT", "ISAAC_ROUTER_AREA_UM2", "ISAAC_TILES_PER_ROUTER", "ROUTER_FLIT_BITS",
    "mesh_width", "tile_hops", "mean_hops", "transfer_ns", "router_energy_pj_per_bit_hop", "router_area_um2_per_tile",
]

ISAAC_ROUTER_ENERGY_PJ_PER_BIT = 20.74 / 256
"""energy of one bit crossing one router at 32 nm, pJ: 20.74 pJ per 256-bit transfer (hwcomponents-library
isaac.py, IsaacRouter, derived there from ISAAC's 42 mW router) = 0.0810 pJ"""
ISAAC_ROUTER_AREA_UM2 = 0.151e6
"""area of one ISAAC router at 32 nm, um2 (ISAAC tile table: 0.151 mm2)"""
ISAAC_TILES_PER_ROUTER = 4
"""tiles sharing one ISAAC router (ISAAC: concentrated mesh, 4 tiles per router)"""
ROUTER_FLIT_BITS = 256
"""bits a link moves per clock cycle (hwcomponents-library isaac.py, IsaacRouter width = 256)"""


def mesh_width(tiles: int) -> int:
    """Tiles per row of the smallest square-ish mesh holding ``tiles`` tiles: ceil(sqrt(tiles))."""
    check_int("tiles", tiles)
    return math.isqrt(tiles - 1) + 1


def tile_hops(index: int, width: int) -> int:
    """Routers crossed between the global buffer (at tile 0) and tile ``index`` of a mesh ``width`` wide."""
    return _hops(check_int("tile index", index, 0), check_int("mesh width", width))


def _hops(index: int, width: int) -> int:
    """:func:`tile_hops` of checked arguments"""
    return index % width + index // width + 1


def mean_hops(tiles_per_group: Sequence[int]) -> tuple[float, ...]:
    """Mean router hops from the global buffer to each group's tiles, groups laid out one after another."""
    if not tiles_per_group:
        raise ValueError("mean_hops needs at least one group of tiles")
    for t in tiles_per_group:
        check_int("tiles of every group", t)
    width = mesh_width(sum(tiles_per_group))
    out, start = [], 0
    for n in tiles_per_group:
        # sum over tiles start..start+n-1 of (i % w + i // w + 1)
        out.append(sum(_hops(i, width) for i in range(start, start + n)) / n)
        start += n
    return tuple(out)


def transfer_ns(flits: Sequence[int], hops: float, cycle_ns: float) -> tuple[float, float]:
    """Times, ns, of transfers of ``flits`` flits each (0: none) through ports of their own, each after ``hops``
    cycles of head latency (module doc): (an item's: flits + hops each, summed; the steady state's: the most flits)."""
    flits = [check_int("flits of every transfer", f, 0) for f in flits]
    hops, cycle_ns = check_real("hops", hops, 0.0), check_real("cycle_ns", cycle_ns, 0.0, low_open=True)
    return sum(f + hops for f in flits if f) * cycle_ns, max(flits, default=0) * cycle_ns


@checked_types
def router_energy_pj_per_bit_hop(tech: TechnologyConfig) -> float:
    """Energy of one bit crossing one router, pJ: 0.0810 pJ at 32 nm (ISAAC via CiMLoop), scaled to ``tech``."""
    return ISAAC_ROUTER_ENERGY_PJ_PER_BIT * energy_scale(ISAAC_NODE_NM, ISAAC_VDD_V, tech.node_nm, tech.vdd_v)


@checked_types
def router_area_um2_per_tile(tech: TechnologyConfig) -> float:
    """Router area per tile, um2: 0.151 mm2 / 4 tiles = 37 750 um2 at 32 nm (ISAAC), scaled to ``tech``."""
    return ISAAC_ROUTER_AREA_UM2 / ISAAC_TILES_PER_ROUTER * area_scale(ISAAC_NODE_NM, tech.node_nm)
