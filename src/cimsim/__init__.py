"""cimsim: a compute-in-memory crossbar emulator with sourced cost models and a von Neumann baseline."""

__version__ = "0.1.0"

_API = ("simulate", "compare", "estimate", "Simulation", "Estimate", "Comparison", "as_config", "rows_frame")
"""the research-script API's names (:mod:`cimsim.api`), imported on first use"""

__all__ = [*_API, "__version__"]


_SUBPACKAGES = ("config", "cost", "models", "network", "numerics", "sweep", "validation", "analytic", "comparison")
"""the packages and modules a script reaches as ``cimsim.network`` and the like after a bare ``import cimsim`` (the
README's ``cimsim.analytic.analytic_counts``, ``cimsim.comparison.price_from_shapes``)"""


def __getattr__(name: str):
    """The research-script API (:mod:`cimsim.api`) and the subpackages (``cimsim.network.from_torch``,
    ``cimsim.sweep.run_sweep``), imported on first use: ``import cimsim`` stays light."""
    if name in _API:
        from . import api

        return getattr(api, name)
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'cimsim' has no attribute {name!r}{_where(name)}")


_ELSEWHERE = {
    **dict.fromkeys(("from_torch", "load_network", "save_network", "Network", "Dense", "Conv2d", "load_dataset"),
                    "network"),
    **dict.fromkeys(("Config", "load_config", "config_from_dict", "config_to_dict", "with_overrides"), "config"),
    **dict.fromkeys(("Crossbar", "build_crossbar", "set_worker_threads"), "numerics"),
    **dict.fromkeys(("run_sweep", "spec_from_dict", "load_spec", "read_table", "pareto_front"), "sweep"),
    **dict.fromkeys(("price_model", "price_table", "get_model", "chips_needed", "Decoder"), "models"),
    **dict.fromkeys(("cim_breakdown", "chip_breakdown"), "cost"),
    **dict.fromkeys(("price", "price_from_shapes", "price_network"), "comparison"),
    "macro_cases": "validation", "analytic_counts": "analytic",
}
"""names a script may look for on ``cimsim`` itself, and the subpackage that has them (an AttributeError says where;
a test holds each to its subpackage's exports): a table, so a missing name imports nothing"""


def _where(name: str) -> str:
    """'; it is cimsim.network.from_torch' for a name of :data:`_ELSEWHERE`"""
    return f"; it is cimsim.{_ELSEWHERE[name]}.{name}" if name in _ELSEWHERE else ""


def __dir__() -> list[str]:
    """The module's names, the lazily imported API's and the subpackages, so tab completion offers them."""
    return sorted({*globals(), *__all__, *_SUBPACKAGES})
