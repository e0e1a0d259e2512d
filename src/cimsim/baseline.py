"""Moved to :mod:`cimsim.cost.baseline`; this name stays because earlier READMEs documented
``from cimsim.baseline import baseline_breakdown``. New code imports from :mod:`cimsim.cost.baseline`."""

from .cost.baseline import *  # noqa: F401,F403
from .cost.baseline import __all__  # noqa: F401
