"""cimsim: a compute-in-memory crossbar emulator with sourced cost models and a von Neumann baseline."""

__version__ = "0.1.0"
