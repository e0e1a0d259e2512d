"""Which of transformers' causal language models import through ``from_torch``: every model type with a causal-LM
head that ``import_transformers.py`` does not run, built from its type's defaults at that script's small sizes.

    python benchmarks/probe_causal_lm.py [NAME ...]       # all (about 40 min on 2 cores), or the types named

Needs torch, onnx and transformers (not test dependencies): without them the script says so and exits with status
2. Each type runs in its own process (a model that crashes while it is built or exported takes only its own row),
with a time limit (``--timeout``, 300 s): ``AutoConfig.for_model(type, hidden size 32, two layers, four heads of 8,
two key and value heads, a 100-token vocabulary)``, ``AutoModel.from_config``, convolutions and linear layers re-
initialised as there, fed token ids (2, 8) through a wrapper that returns ``last_hidden_state``. A composite
(multimodal) type is built as its text model (``text_config``'s type: the small sizes reach only the outer config,
and the whole model at its default sizes takes gigabytes), or only named when that text model has a row of its own.
Prints a row per type: the import time and max |network - torch| / max |torch|, or why it stopped: cimsim refused it
(the message), or the model could not be built or run by torch at these sizes (not cimsim's), or it crashed or timed
out; then the counts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from import_transformers import (  # noqa: E402
    AUTO_TEXT, _auto_text, _other_models, _text_models, _vision_models, _wrapped)


def _cell(exc: Exception, chars: int) -> str:
    """an error message on one line, as a table cell"""
    return " ".join(str(exc).split()).replace("|", "/")[:chars]


def _causal_types(T) -> list[str]:
    """the model types with a causal-LM head that ``import_transformers.py`` does not run"""
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES, MODEL_MAPPING_NAMES

    run = {*AUTO_TEXT, *_text_models(T), *_vision_models(T), *_other_models(T)}
    return [n for n in sorted(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES) if n in MODEL_MAPPING_NAMES and n not in run
            and n.replace("_", "-") not in run]


def _probed(T) -> set[str]:
    """the model types this probe or ``import_transformers.py`` runs"""
    return {*_causal_types(T), *AUTO_TEXT, *_text_models(T), *_vision_models(T), *_other_models(T)}


def _one(name: str) -> str:
    """the row of one model type (run in a child process)"""
    import torch
    import transformers

    from cimsim.network.torch_import import from_torch

    warnings.filterwarnings("ignore")
    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    text = getattr(transformers.AutoConfig.for_model(name), "text_config", None)
    build = name if text is None else text.model_type  # a composite (multimodal) type: its text model
    if build != name and build in _probed(transformers):
        return f"| {name} | | | composite: its text model, {build}, has a row of its own |"
    try:
        model = _auto_text(transformers, (build,))[build]().eval()
        for layer in model.modules():
            if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)):
                layer.reset_parameters()
        wrapped = _wrapped(torch, model, "input_ids")
        x = np.random.default_rng(0).integers(0, 100, (2, 8))
        with torch.no_grad():
            want = wrapped(torch.as_tensor(x)).numpy().astype(np.float64)
    except Exception as exc:  # transformers raises many types for a configuration its model rejects
        built = "" if build == name else f" (its text model, {build})"
        return (f"| {name} | | | torch cannot build or run it at these sizes{built}: {type(exc).__name__}: "
                f"{_cell(exc, 120)} |")
    start = time.perf_counter()
    try:
        net = from_torch(wrapped, x)
    except ValueError as exc:
        return f"| {name} | | | refused: {_cell(exc, 200)} |"
    error = np.abs(net.forward(x.astype(np.float64)) - want).max() / max(np.abs(want).max(), 1e-300)
    return f"| {name} | {time.perf_counter() - start:.1f} | {error:.1e} | |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    if not args.timeout > 0:
        parser.error(f"--timeout must be above 0 s; got {args.timeout:g}")
    try:
        import transformers
    except ImportError as exc:
        print(f"needs torch, onnx and transformers ({exc}): pip install torch transformers '.[onnx]'")
        return 2
    if args.one:
        print(_one(args.one))
        return 0
    warnings.filterwarnings("ignore")
    names = args.names or _causal_types(transformers)
    print(f"transformers {transformers.__version__}: {len(names)} model types\n")
    print("| model type | import s | max rel. error vs torch | stopped |\n|---|---:|---:|---|")
    counts: dict[str, int] = {}
    for name in names:
        try:
            done = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True,
                                  timeout=args.timeout)
            rows = [line for line in done.stdout.splitlines() if line.startswith(f"| {name} |")]
            row = rows[-1] if rows else f"| {name} | | | crashed (exit status {done.returncode}) |"
        except subprocess.TimeoutExpired:
            row = f"| {name} | | | timed out after {args.timeout:g} s |"
        print(row, flush=True)
        kind = row.split("|")[4].strip().split(":")[0].split(" (")[0] or "imported"
        counts[kind] = counts.get(kind, 0) + 1
    print("\n" + "; ".join(f"{kind}: {n}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
