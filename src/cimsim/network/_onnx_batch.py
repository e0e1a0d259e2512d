"""The batch size read as a value. The importer computes one sample at a time: a graph of symbolic batch size that
reads it through ``Shape`` is folded with a batch of 1. That is right where the batch size only shapes a tensor (the
target of a Reshape or an Expand, the bounds of a Slice: ``x.view(x.size(0), -1)``), wrong where it reaches the
values (``x / x.size(0)``, a Range over the batch): such a graph is refused, naming the Shape node.

Each constant computed from a Shape's batch entry has a mask of its entries that are (:class:`BatchSize`), carried
entry by entry through the shape arithmetic (Gather, Slice, Concat, reshapes, element-wise operators) and to every
entry of other operators' results."""

from __future__ import annotations

import numpy as np

from ._onnx_fold import fold

__all__ = ["BatchSize", "kept_apart"]

SHAPE_INPUTS = {"Reshape": (1,), "Expand": (1,), "Slice": (1, 2, 3, 4), "Resize": (3,)}
"""inputs of data operators that take a shape or bounds, where the batch size may be read (per sample, 1)"""
_MOVEMENT = frozenset({"Reshape", "Expand", "Squeeze", "Unsqueeze", "Transpose", "Flatten", "Slice", "Gather",
                       "Tile", "Identity", "Concat"})
"""operators whose results take their values from their first input (Concat: from every input), placed as their
other inputs say"""
_ELEMENTWISE = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg", "Floor", "Ceil", "Equal", "Where", "Mod",
                          "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Abs", "Min", "Max",
                          "Cast", "Reciprocal", "Sign", "Round", "Xor", "Relu", "Clip"})
"""operators whose result's entries each take the same entry of their (broadcast) inputs"""


class BatchSize:
    """The constants of a graph computed from its symbolic batch size (none where the batch size is a number)."""

    def __init__(self, symbolic: str):
        self.symbolic = symbolic
        """the batch dimension's name where it is symbolic (:func:`._onnx_checks.input_shape`), else ''"""
        self.masks: dict[str, tuple[np.ndarray, str]] = {}
        """constant name -> (which of its entries are computed from the batch size, the Shape node that read it)"""

    def shape_read(self, out: str, size: int, start: int, node: str) -> None:
        """Shape node ``node`` gave ``out``, ``size`` entries of a shape from axis ``start`` (the batch axis: 0)."""
        if self.symbolic and start == 0 and size:
            mask = np.zeros(size, dtype=bool)
            mask[0] = True
            self.masks[out] = (mask, node)

    def folded(self, onnx, op: str, attrs: dict, names: list[str], consts: dict, outs: list[str]) -> None:
        """The masks of the results ``outs`` of an operator ``op`` folded at import."""
        read = [self.masks.get(n) for n in names]
        origin = next((m[1] for m in read if m is not None), None)
        if origin is None:
            return
        results = [consts[o] for o in outs]
        if op == "ConstantOfShape":  # the batch size shapes it only
            return
        if op in _MOVEMENT and not (op == "Gather" and read[1:2] != [None]):
            values = range(len(names)) if op == "Concat" else (0,)
            operands = [self._mask(n, consts) if k in values else consts.get(n) for k, n in enumerate(names)]
            masks = [np.asarray(m, dtype=bool) for m in fold(onnx, op, attrs, operands, len(outs))]
        elif op in _ELEMENTWISE:
            mask = np.zeros(np.shape(results[0]), dtype=bool)
            for n in names:
                if n in self.masks:
                    mask = mask | self.masks[n][0]
            masks = [np.broadcast_to(mask, np.shape(results[0]))]
        else:
            masks = [np.ones(np.shape(r), dtype=bool) for r in results]
        for out, mask in zip(outs, masks):
            if mask.any():
                self.masks[out] = (mask, origin)

    def leads(self, name: str) -> bool:
        """whether the first entry of constant ``name`` (a shape) is computed from the batch size"""
        return name in self.masks and bool(np.ravel(self.masks[name][0])[:1].any())

    def _mask(self, name: str, consts: dict) -> np.ndarray:
        return self.masks[name][0] if name in self.masks else np.zeros(np.shape(consts[name]), dtype=bool)

    def check(self, op: str, names: list[str]) -> None:
        """ValueError where a node of the activations reads the batch size as a value (module doc)."""
        for k, name in enumerate(names):
            if name in self.masks and k not in SHAPE_INPUTS.get(op, ()):
                raise ValueError(f"{op} reads {name!r} (input {k}), computed from the batch size (axis 0 read by "
                                 f"node {self.masks[name][1]}), as a value: the network computes "
                                 "one sample at a time, where the batch size is 1 whatever the batch; not supported "
                                 "(the batch size may only shape a tensor: a Reshape's or Expand's target, a Slice's "
                                 "bounds). Export it again with one sample and no dynamic batch axis, e.g. "
                                 "torch.onnx.export(model, (x[:1],), path) without dynamic_axes (a fixed batch above "
                                 "1 is refused too), or import the model with cimsim.network.from_torch")


def kept_apart(onnx, model, input_name: str, network, refusal: str):
    """``network``, a graph of symbolic batch size imported with its batch axis as a per-sample axis of size 1 (it
    moves that axis: a batch-first RNN's transposes), where it computes for each of three samples what the reference
    (:func:`_references`) computes for them as one batch (or for one, where the graph runs at batch 1 only: its
    shapes fix the batch); else a ValueError ``refusal``, saying why: it computes across the samples (a softmax over
    them), or no reference can run it"""
    info = next(i for i in model.graph.input if i.name == input_name)
    dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(info.type.tensor_type.elem_type))
    shape = tuple(network.input_shape)
    parity = np.indices(shape).sum(axis=0) % 2 if shape else np.zeros(shape)  # ids 0 and 1: in any table
    x = (np.random.default_rng(5).standard_normal((3,) + shape) if dtype.kind == "f"
         else np.stack([np.zeros(shape), np.ones(shape), parity])).astype(dtype)  # three samples (two differ where
    # a sample holds one value): a graph cropping its batch to two (x[0:2]) computes other than the network
    want, failure, tried = None, None, []
    for run, reference in _references(onnx, model, input_name):  # the first that runs the graph
        tried.append(reference)
        for batch in (x, x[:1]):
            try:  # a reference's errors vary: a shape that needs batch 1, an operator it lacks
                want = np.asarray(run(batch), dtype=np.float64)
                break
            except Exception as exc:
                failure = failure or exc
        if want is not None:
            break
    if want is None:
        raise ValueError(f"{refusal}; {' and '.join(tried)}, which would check that its samples stay apart, cannot "
                         f"run it ({type(failure).__name__}: {failure}), so it is not known whether its nodes mix them")
    try:
        got = network.forward(batch.astype(np.float64))
        apart = got.shape == want.shape and np.allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max(),
                                                        equal_nan=True)
    except (ValueError, ArithmeticError):
        apart = False
    if not apart:
        raise ValueError(f"{refusal}: on a batch of {len(batch)} the graph computes other values than the network "
                         "does for each sample alone (its nodes mix the samples, or crop the batch)")
    return network


def _references(onnx, model, input_name: str):
    """(what computes ``model``'s output for a batch of inputs, its name), in the order tried: onnx's reference
    evaluator, given what it lacks (:func:`_missing_ops`; it raises on a recurrent node whose activations it ignores,
    a GRU's or LSTM's other than the defaults: it computes the defaults), then onnxruntime, its graph optimisations
    off, where it is installed (it has RNN Relu and the com.microsoft operators, e.g. QLinearAdd, but its integer
    QLinearMatMul rounds ties its own way, so it comes second)"""
    def evaluate(batch):
        from onnx.reference import ReferenceEvaluator

        ignored = next((n for n in model.graph.node if _own_activations(onnx, n)), None)
        if ignored is not None:
            raise ValueError(f"it computes the default activations of {ignored.op_type} node "
                             f"{ignored.name!r}, not its {_own_activations(onnx, ignored)}")
        return ReferenceEvaluator(model, new_ops=_missing_ops(onnx, model)).run(None, {input_name: batch})[0]
    yield evaluate, "onnx's reference evaluator"
    try:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    except Exception:  # not installed, or a model it does not take (its errors vary)
        return
    yield (lambda batch: session.run(None, {input_name: batch})[0]), "onnxruntime"


_DEFAULT_ACTIVATIONS = {"GRU": ("sigmoid", "tanh"), "LSTM": ("sigmoid", "tanh", "tanh")}
"""the activations of the recurrent operators whose ``activations`` attribute onnx's reference evaluator ignores"""


def _own_activations(onnx, node) -> list[str]:
    """the activations of a GRU or LSTM ``node`` where they are not the defaults (per direction), else []"""
    default = _DEFAULT_ACTIVATIONS.get(node.op_type)
    given = next((onnx.helper.get_attribute_value(a) for a in node.attribute if a.name == "activations"), None)
    if default is None or given is None:
        return []
    names = [v.decode() if isinstance(v, bytes) else v for v in given]
    return [] if tuple(n.lower() for n in names) == default * (len(names) // len(default)) else names


def _missing_ops(onnx, model) -> list:
    """implementations for the operators of ``model``'s opset that onnx's reference evaluator lacks or gets wrong
    though their meaning has not changed since: DequantizeLinear before opset 19 (opsets 10 and 13: per tensor, or
    per axis from 13, as opset 19 computes them with the types it adds); BatchNormalization of opsets 9 to 13, which
    it computes from the batch's statistics wherever a momentum is set (its default too), where one output means the
    stored ones, as opset 14's training_mode = 0 (a LeViT graph at opset 13 had been refused as mixing its samples:
    a probe)"""
    from onnx.reference.ops import load_op

    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 19)
    newer = [("DequantizeLinear", 19)] * (opset < 19) + [("BatchNormalization", 14)] * (9 <= opset < 14)
    return [type(op, (load_op("", op, version),), {"op_domain": "", "op_schema": onnx.defs.get_schema(op, version)})
            for op, version in newer]
