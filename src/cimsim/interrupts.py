"""Whether an exception comes from a Ctrl-C: a KeyboardInterrupt, or an error raised while handling one (a C
extension that a Ctrl-C stops while it loads, numpy's, raises ImportError "numpy._core.multiarray failed to import"
from the KeyboardInterrupt). Imports nothing: the entry point uses it before the CLI's modules load."""


def from_ctrl_c(exc: BaseException) -> bool:
    """whether a Ctrl-C raised ``exc`` or lies in its chain (its causes and contexts)"""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
