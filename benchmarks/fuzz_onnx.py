"""Fuzz the ONNX importer with malformed graphs, and check the networks it builds against onnx's reference evaluator.

    python benchmarks/fuzz_onnx.py [--cases 3000] [--seed 0]

Needs torch and onnx (``pip install torch '.[onnx]'``), not test dependencies: without them the script says so and
exits with status 2. Four small models exported by ``from_torch``'s exporter (a CNN with batch norm, grouped
convolution, pooling and softmax; a transformer encoder layer; an MLP with GELU and layer norm; a decoder with a
transposed convolution and a resize) are mutated one change at a time, drawn with ``--seed``: an integer
attribute (axis, kernel, strides, pads, perm ...) set to an odd value or its list cut or grown; a float attribute
set to NaN, inf, negative or huge; an initializer flattened, cut, given a NaN, another dtype or no rows; a Constant
node's value replaced; a node deleted; a node input deleted or emptied; the input shape changed; a node's operator
swapped for another; the graph output moved to another tensor. Each case is imported (``network_from_onnx``) and,
when it imports, run on one normal sample. Outcomes:

- ``clean_error``: a ValueError (the importer's refusal naming the node);
- ``agrees``: imported, and within 1e-3 of ``onnx.reference.ReferenceEvaluator`` on the same input where onnx's
  checker (``full_check``) accepts the model and the evaluator runs it;
- ``unchecked``: imported, but the checker or the evaluator refused the model;
- ``traceback`` (any other exception) and ``mismatch`` (a different answer than the evaluator): failures, listed
  with their case number and mutation; the script exits 1 when there is one.

The networks are compared in float64 against the evaluator's float32, relative to the largest output.
"""

from __future__ import annotations

import argparse
import collections
import copy
import random
import resource
import sys
import time
import traceback
import warnings

import numpy as np

ODD_INTS = [-5, -1, 0, 1, 2, 3, 7, 100, 2 ** 31, -2 ** 40]
ODD_FLOATS = [float("nan"), float("inf"), -1.0, 0.0, 1e300]
OPS = ["Relu", "Add", "MatMul", "Conv", "Reshape", "Transpose", "Softmax", "Gather", "Concat", "Slice", "Mul",
       "ReduceMean", "Split", "Squeeze", "Unsqueeze", "Expand", "Where", "Pow", "Sqrt", "Gemm", "AveragePool",
       "MaxPool", "Flatten", "Cast", "LayerNormalization", "LSTM", "GRU", "RNN", "IsNaN", "IsInf", "Log", "Not"]


def _Recurrent(nn):
    """a bidirectional LSTM and a GRU over a sequence (batch first), the GRU's outputs"""
    class Recurrent(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.gru = nn.LSTM(4, 3, batch_first=True, bidirectional=True), nn.GRU(6, 4, batch_first=True)

        def forward(self, x):
            return self.gru(self.lstm(x)[0])[0]
    return Recurrent()


def bases(torch, onnx):
    """(model, per-sample input shape) of the five exported models"""
    from torch import nn

    from cimsim.network._torch_export import export

    torch.manual_seed(0)
    models = [
        (nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                       nn.Conv2d(8, 8, 3, padding=1, groups=2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                       nn.Linear(8, 5), nn.Softmax(-1)), (3, 16, 16)),
        (nn.TransformerEncoderLayer(16, 4, 32, batch_first=True, dropout=0.0), (6, 16)),
        (nn.Sequential(nn.Linear(10, 12), nn.GELU(), nn.LayerNorm(12), nn.Linear(12, 3)), (10,)),
        (nn.Sequential(nn.ConvTranspose2d(4, 3, 3, 2, 1), nn.Upsample(scale_factor=2), nn.Conv2d(3, 2, 1)),
         (4, 5, 5)),
        (_Recurrent(nn), (5, 4)),
    ]
    return [(export(torch, onnx, m.eval(), torch.randn(1, *shape), 17, "base")[0], shape) for m, shape in models]


def _int_attribute(onnx, nodes, rng):
    found = [(n, a) for n in nodes for a in n.attribute if a.type in (onnx.AttributeProto.INT,
                                                                       onnx.AttributeProto.INTS)]
    if not found:
        return None
    node, a = rng.choice(found)
    if a.type == onnx.AttributeProto.INT:
        a.i = rng.choice(ODD_INTS)
    else:
        values, how = list(a.ints) or [1], rng.randrange(3)
        if how == 0:
            values[rng.randrange(len(values))] = rng.choice(ODD_INTS)
        values = values[:-1] if how == 1 else values + [rng.choice(ODD_INTS)] if how == 2 else values
        del a.ints[:]
        a.ints.extend(values)
    return f"attribute {node.op_type}.{a.name}"


def _initializer(graph, numpy_helper, rng):
    if not graph.initializer:
        return None
    k = rng.randrange(len(graph.initializer))
    t = graph.initializer[k]
    a, how = numpy_helper.to_array(t), rng.randrange(5)
    if how == 0:
        new = a.reshape(-1)
    elif how == 1 and a.ndim:
        new = a[..., :max(0, a.shape[-1] - 1)]
    elif how == 2 and a.dtype.kind == "f":
        new = a.copy()
        new.flat[0] = np.nan
    elif how == 3:
        new = a.astype(rng.choice([np.int64, np.float16, np.bool_, np.int8, np.float64]))
    else:
        new = np.zeros((0,) + a.shape[1:], a.dtype) if a.ndim else a
    graph.initializer[k].CopyFrom(numpy_helper.from_array(np.asarray(new), t.name))
    return f"initializer {t.name} ({['flattened', 'cut', 'NaN', 'dtype', 'no rows'][how]})"


def _constant(onnx, nodes, numpy_helper, rng):
    found = [n for n in nodes if n.op_type == "Constant" and n.attribute[0].type == onnx.AttributeProto.TENSOR]
    if not found:
        return None
    t = rng.choice(found).attribute[0].t
    a = numpy_helper.to_array(t)
    odd = np.array(rng.choice(ODD_INTS), a.dtype) if a.dtype.kind in "iu" else np.array(np.nan, a.dtype)
    new = rng.choice([odd, np.zeros((0,), a.dtype),
                      np.array([rng.choice(ODD_INTS)] * max(1, a.size + rng.choice([-1, 1])), np.int64)])
    t.CopyFrom(numpy_helper.from_array(np.asarray(new), t.name))
    return "Constant value"


def mutate(onnx, model, rng):
    """(a copy of ``model`` with one change, what changed), or (None, None) where the change does not apply"""
    from onnx import numpy_helper

    m = copy.deepcopy(model)
    graph, kind = m.graph, rng.randrange(9)
    nodes = list(graph.node)
    node = rng.choice(nodes)
    if kind == 0:
        what = _int_attribute(onnx, nodes, rng)
    elif kind == 1:
        floats = [(n, a) for n in nodes for a in n.attribute if a.type == onnx.AttributeProto.FLOAT]
        what = None
        if floats:
            n, a = rng.choice(floats)
            a.f, what = rng.choice(ODD_FLOATS), f"attribute {n.op_type}.{a.name}"
    elif kind == 2:
        what = _initializer(graph, numpy_helper, rng)
    elif kind == 3:
        what = _constant(onnx, nodes, numpy_helper, rng)
    elif kind == 4:
        graph.node.remove(node)
        what = f"deleted {node.op_type}"
    elif kind == 5:
        what = None
        if node.input:
            k = rng.randrange(len(node.input))
            if rng.random() < 0.5:
                node.input[k] = ""
            else:
                del node.input[k]
            what = f"input {k} of {node.op_type} removed"
    elif kind == 6:
        dims, how = graph.input[0].type.tensor_type.shape.dim, rng.randrange(4)
        if how == 0 and len(dims) > 1:
            dims[rng.randrange(1, len(dims))].dim_value = rng.choice([0, 1, 2, 1000])
        elif how == 1:
            dims.add().dim_value = 2
        elif how == 2 and len(dims) > 1:
            del dims[-1]
        else:
            dims[0].dim_param = "batch"
        what = "input shape"
    elif kind == 7:
        old, node.op_type = node.op_type, rng.choice(OPS)
        what = f"operator {old} -> {node.op_type}"
    else:
        graph.output[0].name, what = rng.choice(nodes).output[0], "graph output moved"
    return (m, what) if what else (None, None)


def _reference(onnx, model, x):
    """the reference evaluator's output, or None where onnx refuses the model"""
    from onnx.reference import ReferenceEvaluator

    try:
        onnx.checker.check_model(model, full_check=True)
        return np.asarray(ReferenceEvaluator(model).run(None, {model.graph.input[0].name: x.astype(np.float32)})[0],
                          dtype=np.float64)
    except Exception:  # onnx refuses the model or cannot run it: nothing to compare with
        return None


def run_case(onnx, model, seed: int) -> tuple[str, str]:
    """(outcome, detail) of importing and running one mutated model"""
    from cimsim.network.onnx_import import network_from_onnx

    try:
        net = network_from_onnx(model)
        x = np.random.default_rng(seed).standard_normal((1,) + tuple(net.input_shape))
        got = net.forward(x)
    except ValueError:
        return "clean_error", ""
    except Exception as exc:  # MemoryError too: an allocation the importer should have refused (--memory-gib)
        frame = next((f for f in reversed(traceback.extract_tb(exc.__traceback__)) if "cimsim" in f.filename),
                     traceback.extract_tb(exc.__traceback__)[-1])
        return "traceback", f"{type(exc).__name__} at {frame.filename.split('/')[-1]}:{frame.lineno}: {exc}"
    want = _reference(onnx, model, x)
    if want is None:
        return "unchecked", ""
    if got.shape[1:] == want.shape and got.shape[0] == 1:  # a graph with its batch axis kept per sample
        got = got[0]
    scale = float(np.nanmax(np.abs(want), initial=0.0)) if np.isfinite(want).any() else 1.0
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-3, atol=1e-3 * max(scale, 1e-30),
                                                  equal_nan=True):
        return "mismatch", f"shape {got.shape} vs the evaluator's {want.shape}" if got.shape != want.shape else (
            f"differs by up to {np.nanmax(np.abs(got - want)):.3g}")
    return "agrees", ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--memory-gib", type=int, default=12,
                    help="address-space limit: a huge allocation is a MemoryError, not the machine's OOM killer")
    args = ap.parse_args()
    if args.cases < 1 or args.memory_gib < 1:  # (-5 cases had reported "no mismatch"; 0 GiB a MemoryError)
        ap.error(f"--cases and --memory-gib must be at least 1; got {args.cases} and {args.memory_gib}")
    try:
        import onnx
        import torch
    except ImportError as exc:
        print(f"needs torch and onnx ({exc}): pip install torch '.[onnx]'")
        return 2
    warnings.filterwarnings("ignore")
    resource.setrlimit(resource.RLIMIT_AS, (args.memory_gib << 30, args.memory_gib << 30))
    models, rng = bases(torch, onnx), random.Random(args.seed)
    outcomes, failures, start = collections.Counter(), [], time.perf_counter()
    for case in range(args.cases):
        base, _ = models[rng.randrange(len(models))]
        model, what = mutate(onnx, base, rng)
        if model is None:
            outcomes["not applicable"] += 1
            continue
        print(f"case {case}: {what}", file=sys.stderr, flush=True)
        outcome, detail = run_case(onnx, model, case)
        outcomes[outcome] += 1
        if outcome in ("traceback", "mismatch"):
            failures.append(f"case {case} ({what}): {outcome}: {detail[:200]}")
    print(f"{args.cases} cases, seed {args.seed}, {time.perf_counter() - start:.0f} s: "
          + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
    print("\n".join(failures) or "no traceback, no mismatch")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
