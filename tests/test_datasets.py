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
    refused = rf"'y' in '{re.escape(str(path))}' must be integer labels of shape \(3,\); got bool"
    with pytest.raises(ConfigError, match=refused) as info:
        load_dataset(config, (4,))
    assert info.value.fields == ["workload.dataset_file"]
