"""Fuzz harness for cimsim's inputs (hardening).

- :mod:`fuzz.strategies`: hypothesis strategies over the config schema (every section and field), over keys,
  over text mutations of the shipped configs and presets, over bad data / network files, over
  ``with_overrides`` and over the numerical API (``Crossbar``, ``calibrate``, ``mvm``, ``program``,
  ``load_network``, ``simulate_network``);
- :mod:`fuzz.files`: the bad files those cases point at (fixtures) and network / dataset archives built
  from a small spec;
- :mod:`fuzz.runner`: runs a case in-process in a worker process (so a hang or a crash is caught), classifies
  the outcome (ok, clean error, unclear error, traceback, hang, crash, validated-then-failed, silent wrong),
  and runs the CLI on a case.

A case is a plain, picklable dict (see :func:`fuzz.runner.execute`). ``benchmarks/fuzz_configs.py`` draws
20 000+ of them reproducibly and runs them; ``tests/test_fuzz.py`` runs a fast sample.
"""
