"""Energy against the share of zero inputs (a ReLU's outputs) on an SRAM macro with pulse-count inputs, where every
input pulse costs: simulated on generated data with that share set to 0, and priced from shapes (at the codes of
evenly spaced vectors of the workload's inputs, measured without simulating).

Run from the repository root (it reads ``configs/``): ``python examples/relu_sparsity.py``
"""
import cimsim

design = {"dac.encoding": "pulse_count", "dac.mode": "parallel", "dac.signed_inputs": "unsigned",
          "workload.vectors": 256}
for zeros in (0.0, 0.25, 0.5, 0.75):
    config = cimsim.as_config("configs/sram-cim.toml", {**design, "workload.input_zero_fraction": zeros})
    simulated, analytic = cimsim.compare(config).cim, cimsim.estimate(config).cim
    print(f"{zeros:4.0%} zero inputs: {simulated.total_energy_pj / 256:9.0f} pJ per MVM, of which row drivers "
          f"{simulated.energy_pj['dac'] / 256:7.0f} (from shapes: {analytic.energy_pj['dac'] / 256:7.0f})")
