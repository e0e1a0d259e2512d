"""Helpers of the CLI tests: a command run in-process, and the check of a refusal."""

from __future__ import annotations

import sys

from click.testing import CliRunner

from cimsim.cli import main

CIMSIM = [sys.executable, "-m", "cimsim.cli"]
"""the command line, run in a child process"""
SMALL = "[workload]\nin_features = 16\nout_features = 8\nvectors = 4\n"
"""a small dense config"""


def invoke(*args):
    """``cimsim ARGS`` run in this process (click's runner)"""
    return CliRunner().invoke(main, [str(a) for a in args])


def refused(result, *fragments):
    """exit 2, one error line holding every fragment, no traceback"""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    for fragment in fragments:
        assert fragment in errors[0], result.output
