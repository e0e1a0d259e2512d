"""A user's dataset file for a network workload: its labels must be class numbers (integers), as labels given in
memory must be."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cimsim.config.schema import Config, WorkloadConfig
from cimsim.errors import ConfigError
from cimsim.network import load_dataset


def test_boolean_labels_in_a_dataset_file_are_refused(tmp_path):
    """y = labels > 4 had been read as classes 0 and 1; cimsim.simulate(..., labels=y > 4) refuses them"""
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((3, 4)), y=np.array([True, False, True]))
    config = Config(workload=WorkloadConfig(kind="network", dataset="file", dataset_file=str(path)), source="t.toml")
    refused = rf"'y' in '{re.escape(str(path))}' holds booleans \(dtype bool\), not numbers"
    with pytest.raises(ConfigError, match=refused) as info:
        load_dataset(config, (4,))
    assert info.value.fields == ["workload.dataset_file"]


def test_samples_stored_in_another_layout_are_refused_not_scrambled(tmp_path):
    """(20, 8, 8, 3) images (NHWC) had been reshaped into a (3, 8, 8) network's inputs, scrambling the channels
    (float accuracy 0.25 for 1.0); flat samples, the network's own shape and axes of one still load"""
    images = np.random.default_rng(3).normal(size=(20, 3, 8, 8))

    def loaded(x, shape=(3, 8, 8)):
        path = tmp_path / "d.npz"
        np.savez(path, x=x)
        config = Config(workload=WorkloadConfig(kind="network", dataset="file", dataset_file=str(path)),
                        source="t.toml")
        return load_dataset(config, shape)[0]

    for x in (images, images.reshape(20, -1), images[:, None]):
        np.testing.assert_array_equal(loaded(x), images)
    np.testing.assert_array_equal(loaded(images[:, :1, 0], (1, 1, 8)), images[:, :1, :1])
    with pytest.raises(ConfigError, match=r"samples of shape \(8, 8, 3\) in '.*d\.npz' .* not in its layout.*"
                                          r"channels last \(NHWC\).*x\.transpose\(0, 3, 1, 2\)") as info:
        loaded(images.transpose(0, 2, 3, 1))
    assert info.value.fields == ["workload.dataset_file"]
    with pytest.raises(ConfigError, match=r"samples of shape \(24, 8\) .* not in its layout"):
        loaded(images.reshape(20, 24, 8))
