"""Optional extras the tests import: missing outside CI, a test skips saying why; missing in CI, it fails."""

import importlib
import os

import pytest


def torch_or_skip():
    """torch, or a skip outside CI (CI installs it: missing there, the tests fail)"""
    pytest.importorskip("onnx")
    try:
        return importlib.import_module("torch")
    except ImportError:
        if os.environ.get("CI"):
            raise ImportError("CI must install torch (see .ci/run) so that the torch tests run") from None
        pytest.skip("torch is not installed (pip install torch==2.13.0): the from_torch tests need it",
                    allow_module_level=True)  # in a test, or at a module's top: the whole module
