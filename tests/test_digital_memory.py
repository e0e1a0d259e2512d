"""Digital arithmetic, registers, SRAM and DRAM: published anchors reproduced, width/capacity laws."""

import pytest

from cimsim.config.schema import TechnologyConfig
from cimsim.cost.digital import (add_energy_pj, mac_area_um2, mac_energy_pj, multiply_energy_pj,
                                 register_area_um2_per_bit, register_file_energy_pj_per_bit)
from cimsim.cost.memory import (DRAM_KINDS, dram_bandwidth_gbps, dram_energy_pj_per_bit, sram_area_um2,
                                sram_read_energy_pj_per_bit, sram_write_energy_pj_per_bit)
from cimsim.cost.technology import area_scale, energy_scale

HOROWITZ = TechnologyConfig(node_nm=45.0, vdd_v=0.9)
ZIGZAG = TechnologyConfig(node_nm=28.0, vdd_v=0.9)
KIB = 1024


def test_horowitz_arithmetic_reproduced_at_45nm():
    assert add_energy_pj(8, HOROWITZ) == pytest.approx(0.03, rel=1e-12)
    assert add_energy_pj(32, HOROWITZ) == pytest.approx(0.1, rel=1e-12)
    assert multiply_energy_pj(8, 8, HOROWITZ) == pytest.approx(0.2, rel=1e-12)
    assert multiply_energy_pj(32, 32, HOROWITZ) == pytest.approx(3.1, rel=1e-12)


@pytest.mark.parametrize("capacity, pj_per_64_bits", [(8 * KIB, 10.0), (32 * KIB, 20.0), (1024 * KIB, 100.0)])
def test_horowitz_sram_reads_reproduced_at_45nm(capacity, pj_per_64_bits):
    assert 64 * sram_read_energy_pj_per_bit(capacity, HOROWITZ) == pytest.approx(pj_per_64_bits, rel=1e-12)


def test_adder_is_affine_in_width():
    assert add_energy_pj(16, HOROWITZ) == pytest.approx(0.03 + 8 * 0.07 / 24)
    assert add_energy_pj(20, HOROWITZ) - add_energy_pj(16, HOROWITZ) == pytest.approx(
        add_energy_pj(12, HOROWITZ) - add_energy_pj(8, HOROWITZ))


def test_multiplier_is_affine_in_operand_width_product():
    # 16 x 16: 0.2 + (256 - 64) x 2.9 / 960 = 0.78 pJ
    assert multiply_energy_pj(16, 16, HOROWITZ) == pytest.approx(0.78)
    assert multiply_energy_pj(8, 32, HOROWITZ) == pytest.approx(multiply_energy_pj(16, 16, HOROWITZ))
    widths = [2, 4, 8, 12, 16]
    energies = [multiply_energy_pj(w, w, HOROWITZ) for w in widths]
    assert all(a < b for a, b in zip(energies, energies[1:]))


def test_mac_is_multiply_plus_accumulator_add():
    assert mac_energy_pj(8, 8, HOROWITZ, 24) == pytest.approx(
        multiply_energy_pj(8, 8, HOROWITZ) + add_energy_pj(24, HOROWITZ))
    assert mac_energy_pj(8, 4, HOROWITZ) == pytest.approx(
        multiply_energy_pj(8, 4, HOROWITZ) + add_energy_pj(12, HOROWITZ))


def test_arithmetic_scales_with_technology():
    tech = TechnologyConfig(node_nm=22.0, vdd_v=0.8)
    assert add_energy_pj(8, tech) == pytest.approx(0.03 * energy_scale(45, 0.9, 22, 0.8))
    assert multiply_energy_pj(8, 8, tech) < multiply_energy_pj(8, 8, HOROWITZ)


def test_register_figures_at_28nm():
    # ZigZag-IMC: C_dff = 3 x 0.7 fF, E = C V^2 = 2.1 fF x 0.81 V^2 = 1.701 fJ; DFF area 6 x 0.614 um2
    assert register_file_energy_pj_per_bit(ZIGZAG) == pytest.approx(1.701e-3)
    assert register_area_um2_per_bit(ZIGZAG) == pytest.approx(3.684)
    assert register_area_um2_per_bit(HOROWITZ) == pytest.approx(3.684 * area_scale(28, 45))


def test_mac_area_hand_computed_at_28nm():
    # 8 x 8 cells of (NAND2 0.614 + full adder 3 x 0.614 + 2 x 2.4 x 0.614) + 16 accumulator full adders
    full_adder = 3 * 0.614 + 2 * 2.4 * 0.614
    assert mac_area_um2(8, 8, ZIGZAG, 16) == pytest.approx(64 * (0.614 + full_adder) + 16 * full_adder)
    assert mac_area_um2(8, 8, ZIGZAG) == pytest.approx(mac_area_um2(8, 8, ZIGZAG, 16))
    assert mac_area_um2(8, 8, TechnologyConfig(node_nm=7.0, vdd_v=0.7)) < mac_area_um2(8, 8, ZIGZAG)


def test_sram_energy_grows_sublinearly_with_capacity():
    caps = [1 * KIB, 8 * KIB, 32 * KIB, 256 * KIB, 1024 * KIB, 4096 * KIB]
    e = [sram_read_energy_pj_per_bit(c, HOROWITZ) for c in caps]
    assert all(a < b for a, b in zip(e, e[1:]))
    assert all(e2 / e1 < c2 / c1 for (c1, e1), (c2, e2) in zip(zip(caps, e), zip(caps[1:], e[1:])))


def test_sram_extrapolates_with_end_segment_exponents():
    # 8 KB -> 32 KB doubles the energy: exponent 1/2, so 2 KB costs half of 8 KB
    assert sram_read_energy_pj_per_bit(2 * KIB, HOROWITZ) == pytest.approx(10.0 / 64 / 2)
    # 32 KB -> 1 MB multiplies it by 5 over 32x capacity; 32 MB is 5x the 1 MB figure
    assert sram_read_energy_pj_per_bit(32 * 1024 * KIB, HOROWITZ) == pytest.approx(5 * 100.0 / 64)


def test_sram_write_and_scaling():
    tech = TechnologyConfig(node_nm=32.0, vdd_v=0.9)
    assert sram_write_energy_pj_per_bit(64 * KIB, tech) == pytest.approx(sram_read_energy_pj_per_bit(64 * KIB, tech))
    assert sram_read_energy_pj_per_bit(8 * KIB, tech) == pytest.approx(10.0 / 64 * energy_scale(45, 0.9, 32, 0.9))


def test_sram_area_is_bitcells():
    assert sram_area_um2(1 * KIB, HOROWITZ) == pytest.approx(8192 * 0.346)
    assert sram_area_um2(1 * KIB, TechnologyConfig(node_nm=32.0)) == pytest.approx(8192 * 0.346 * 0.46)


def test_dram_figures():
    assert dram_bandwidth_gbps("ddr4") == pytest.approx(25.6)
    assert dram_bandwidth_gbps("lpddr4") == pytest.approx(17.064)
    assert dram_bandwidth_gbps("hbm2") == pytest.approx(256.0)
    assert dram_energy_pj_per_bit("ddr4") == pytest.approx(1300 / 64)
    assert dram_energy_pj_per_bit("hbm2") < dram_energy_pj_per_bit("lpddr4") < dram_energy_pj_per_bit("ddr4")
    # Horowitz's DRAM range, 1.3-2.6 nJ per 64-bit access, bounds every kind from above
    assert all(dram_energy_pj_per_bit(k) <= 2600 / 64 for k in DRAM_KINDS)
    # DRAM costs far more per bit than any on-chip SRAM read at the anchor node
    assert dram_energy_pj_per_bit("hbm2") > sram_read_energy_pj_per_bit(1024 * KIB, HOROWITZ)


@pytest.mark.parametrize("call", [
    lambda: dram_energy_pj_per_bit("ddr5"),
    lambda: dram_bandwidth_gbps("HBM2"),
    lambda: sram_read_energy_pj_per_bit(0, HOROWITZ),
    lambda: sram_area_um2(-1, HOROWITZ),
    lambda: add_energy_pj(0, HOROWITZ),
    lambda: multiply_energy_pj(8, 2.5, HOROWITZ),
    lambda: mac_area_um2(8, 8, HOROWITZ, 0),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()
