"""Non-linear cell I-V curves against the DAC: parallel reads bend with the curve, bit-serial reads do not.

Run from the repository root (it reads ``configs/``): ``python examples/iv_curve_vs_dac.py``
"""
import cimsim

for nl in (2.0, 2.5, 3.0, 4.0):  # I(V_read) / I(V_read / 2): 2 is an ohmic cell
    for mode in ("parallel", "bit_serial"):
        comp = cimsim.compare("configs/default.toml", {"device.iv_nonlinearity": nl, "dac.mode": mode,
                                                       "workload.vectors": 128})
        print(f"NL {nl:g}, {mode:10s}: relative error {comp.run.vs_float.relative_error:.3f}, "
              f"{comp.cim.total_energy_pj / comp.cim.mvms:.0f} pJ per MVM, energy gain {comp.gain['energy']:.2f}x")
