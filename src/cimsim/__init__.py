"""cimsim: a compute-in-memory crossbar emulator with sourced cost models and a von Neumann baseline."""

from functools import cache as _cache

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


_GUESSED = {"from_onnx": "an ONNX file is cimsim.network.load_network(path); an onnx.ModelProto in memory, "
                         "cimsim.network.onnx_import.network_from_onnx(model)",
            "load_onnx": "an ONNX file is cimsim.network.load_network(path)",
            "load": "a config file or settings are cimsim.as_config(path or dict); a network file, "
                    "cimsim.network.load_network(path)"}
"""names a script may guess by analogy with ``from_torch`` -> where the thing it means is"""


def _where(name: str) -> str:
    """'; it is cimsim.network.from_torch' where a subpackage exports ``name`` (:func:`_exports`), or where the thing
    a guessed name (:data:`_GUESSED`) means is"""
    if name in _GUESSED:
        return f"; {_GUESSED[name]}"
    sub = None if name.startswith("_") else _exports().get(name)
    return f"; it is cimsim.{sub}.{name}" if sub else ""


@_cache
def _exports() -> dict[str, str]:
    """each name a subpackage exports -> the first subpackage that does, read from each one's ``__all__`` in its
    source, nothing imported (an import had loaded numba on every missing name, hasattr too)"""
    import ast
    import importlib.util

    found: dict[str, str] = {}
    for sub in _SUBPACKAGES:
        try:
            spec = importlib.util.find_spec(f".{sub}", __name__)  # its loader reads a zipped package's source too
            tree = ast.parse(spec.loader.get_source(spec.name))
            exported = next(ast.literal_eval(node.value) for node in tree.body  # __all__ = [...] or __all__: T = [...]
                            if any(getattr(t, "id", None) == "__all__" for t in (
                                node.targets if isinstance(node, ast.Assign) else
                                [node.target] if isinstance(node, ast.AnnAssign) else [])))
        except (AttributeError, ImportError, OSError, SyntaxError, TypeError, ValueError, StopIteration):
            continue
        for name in exported:
            found.setdefault(name, sub)
    return found


def __dir__() -> list[str]:
    """The module's names, the lazily imported API's and the subpackages, so tab completion offers them."""
    return sorted({*globals(), *__all__, *_SUBPACKAGES})
