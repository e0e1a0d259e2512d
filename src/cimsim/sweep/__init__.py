"""Design-space sweeps: many configs from one spec, run in parallel, each finished point kept on disk.

:func:`load_spec` reads a sweep spec (a base config, axes over dotted config fields, grid or random
sampling, the objectives to record); :func:`expand` gives its points with stable ids; :func:`run_sweep`
runs the ones not yet in the results CSV on local processes or a Dask cluster; :func:`pareto_front`
picks the Pareto-optimal rows of a results table. The format and semantics are in docs/sweeps.md.
"""

from .cluster import SchedulerUnreachable
from .execute import DASK_MISSING, Summary, run_sweep
from .lock import OutputLocked
from .metrics import BETTER_HIGHER, COST_METRICS, RANGE_METRICS, available_metrics, default_metrics
from .pareto import Table, front_markdown, pareto_front, read_table
from .points import Point, expand, point_id
from .results import columns
from .spec import KINDS, MODES, Axis, SweepSpec, load_spec, spec_from_dict

__all__ = [
    "load_spec", "spec_from_dict", "SweepSpec", "Axis", "KINDS", "MODES", "expand", "Point", "point_id",
    "available_metrics", "default_metrics", "COST_METRICS", "RANGE_METRICS", "BETTER_HIGHER", "columns", "run_sweep",
    "Summary", "DASK_MISSING", "OutputLocked", "SchedulerUnreachable", "read_table", "Table", "pareto_front",
    "front_markdown",
]
