"""The digits CNN on each device preset: Monte Carlo over device draws.

Run from the repository root (it reads ``configs/``): ``python examples/device_monte_carlo.py``
"""
import cimsim

for preset in ("ideal", "rram", "pcm", "sram"):
    spread = cimsim.simulate("configs/digits-cnn.toml", {"device.preset": preset}, trials=5).spreads["analog_accuracy"]
    print(f"{preset}: {spread.mean:.3f} ± {spread.std:.3f} (worst {spread.worst:.3f})")
