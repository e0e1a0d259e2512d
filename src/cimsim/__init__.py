"""cimsim: a compute-in-memory crossbar emulator with sourced cost models and a von Neumann baseline."""

__version__ = "0.1.0"

__all__ = ["simulate", "compare", "estimate", "Simulation", "Estimate", "as_config", "__version__"]


def __getattr__(name: str):
    """The research-script API (:mod:`cimsim.api`), imported on first use: ``import cimsim`` stays light."""
    if name in ("simulate", "compare", "estimate", "Simulation", "Estimate", "as_config"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'cimsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names and the lazily imported API's, so tab completion offers ``cimsim.simulate``."""
    return sorted({*globals(), *__all__})
