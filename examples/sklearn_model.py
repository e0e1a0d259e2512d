"""A scikit-learn MLP trained here, put on crossbars in memory (needs scikit-learn).

Run from the repository root (it reads ``configs/``): ``python examples/sklearn_model.py``
"""
import sys

try:
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier
except ImportError:
    sys.exit("examples/sklearn_model.py needs scikit-learn: pip install '.[examples]'")

import cimsim
from cimsim.network import Dense, Network, ReLU

x, y = load_digits(return_X_y=True)
x = x / 16
mlp = MLPClassifier((32,), max_iter=400, random_state=0).fit(x[:1200], y[:1200])
layers = (Dense(mlp.coefs_[0].T, mlp.intercepts_[0]), ReLU(), Dense(mlp.coefs_[1].T, mlp.intercepts_[1]))
sim = cimsim.simulate("configs/digits-mlp.toml", network=Network(layers, (64,)), inputs=x[1200:], labels=y[1200:])
print(f"float {sim.float_accuracy:.3f}, analog {sim.analog_accuracy:.3f}")
