"""After a bare ``import cimsim`` the documented forms work as written (README: cimsim.network.from_torch,
cimsim.numerics.Crossbar, cimsim.validation.macro_cases; docs/sweeps.md: cimsim.sweep.run_sweep): they had raised
AttributeError until some API call happened to import them (cimsim.sweep never)."""

from __future__ import annotations

import subprocess
import sys


def test_subpackages_are_reached_from_a_bare_import():
    code = ("import cimsim, sys\n"
            "assert 'cimsim.network' not in sys.modules  # still light\n"
            "print(cimsim.network.from_torch.__name__, cimsim.numerics.Crossbar.__name__,\n"
            "      cimsim.validation.macro_cases.__name__, cimsim.sweep.run_sweep.__name__,\n"
            "      cimsim.cost.cim_breakdown.__name__, cimsim.cost.baseline.baseline_breakdown.__name__,\n"
            "      cimsim.analytic.analytic_counts.__name__, cimsim.comparison.price_from_shapes.__name__)\n"
            "assert {'network', 'sweep'} <= set(dir(cimsim))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["from_torch", "Crossbar", "macro_cases", "run_sweep", "cim_breakdown",
                                  "baseline_breakdown", "analytic_counts", "price_from_shapes"]
