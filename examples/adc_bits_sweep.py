"""Accuracy of the digits MLP against ADC resolution, plotted (needs matplotlib).

Run from the repository root (it reads ``configs/``): ``python examples/adc_bits_sweep.py``
"""
import sys

try:
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("examples/adc_bits_sweep.py needs matplotlib: pip install '.[plot]'")

import cimsim

bits = range(3, 9)
accuracy = [cimsim.simulate("configs/digits-mlp.toml", {"adc.bits": b}).analog_accuracy for b in bits]
plt.plot(bits, accuracy, "o-")
plt.xlabel("ADC bits")
plt.ylabel("analog accuracy")
plt.savefig("adc_bits.png")
print(dict(zip(bits, accuracy)))
