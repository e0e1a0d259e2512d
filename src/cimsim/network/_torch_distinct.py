"""Distinct tensors of equal values kept apart through torch's ONNX export.

torch's TorchScript exporter merges the initializers of equal values into one (``deduplicate_initializers``, in eval
mode; by value, not by tensor), so two modules whose weights are equal (a layer deep-copied by
``nn.TransformerEncoder``, zero biases, ones scales) would become one shared matrix. The model is exported with each
such tensor after the first of its values differing from the others by a few units in the last place (ulps) in its
largest elements (in each row of a matrix), a zero by the smallest normal float (:func:`distinct_values`): the row
slices of one matrix the export takes apart and the folds of a zero batch-norm weight into distinct convolutions stay
distinct too. One tensor read at several places (a module applied twice, a tied head) is one tensor and is left as it
is, so the exporter's merge of its folded copies still makes it one matrix. That export says which initializers are
distinct; their values are those of the model's plain export (:func:`plain_values`), which the same nodes read:
torch's own values, also where a moved tensor is folded into a constant (a float mask ``b`` in
``w * b - 1e4 * (1 - b)``, whose few ulps the fold would have multiplied by 1e4). A Gemm that reads a weight whose
transpose another initializer holds (a Linear applied at rank 2 and at rank 3) reads that one
(:func:`one_transpose`).
"""

from __future__ import annotations

import contextlib
import hashlib

import numpy as np

__all__ = ["distinct_values", "one_transpose", "plain_values"]


@contextlib.contextmanager
def distinct_values(torch, model):
    """During the block, the k-th (k >= 1) of the floating-point parameters and buffers of ``model`` that hold the
    same values (other tensors, not one tensor listed twice) has its largest elements (of each row of a matrix)
    moved toward +inf by the digits of k (:func:`_nudged`), further where that would equal another tensor, so that
    each row of a matrix, and each slice of rows an export takes (a query's rows of an attention's
    ``in_proj_weight``), differs from the others', a row scaled by a batch norm's zero weight too, by at most a few
    ulps an element; the values are restored afterwards, bit for bit, through ``.data`` (a pending backward pass
    still finds its tensors' versions). Yields whether any tensor moved."""
    changed = []
    try:
        with torch.no_grad():
            for group, taken in _equal_groups(torch, model):
                copies, tries = len(group) - 1, len(taken) + 1  # a move that equals a third tensor: the next
                for rank, tensor in enumerate(group[1:]):
                    for extra in range(tries):
                        index, value, new = _nudged(torch, tensor, 1 + rank + extra * copies, copies * tries)
                        changed.append((tensor, index, value))  # before the write: restored whatever follows
                        tensor.data[index] = new
                        digest = _digest(torch, tensor)
                        if digest not in taken:
                            taken.add(digest)
                            break
                        tensor.data[index] = value
                        changed.pop()
        yield bool(changed)  # not under torch.no_grad: the export traces as the caller set it
    finally:
        with torch.no_grad():
            for tensor, index, value in reversed(changed):
                tensor.data[index] = value


def _equal_groups(torch, model) -> list[tuple[list, set]]:
    """(group, the digests of its shape's tensors) for the floating-point parameters and buffers of ``model`` in
    groups of two or more that hold the same values (same shape, dtype and device, bytes equal once -0 is +0), in
    the model's order; views that are one tensor (the same storage, offset, shape and strides: a tied weight)
    counted once; tensors that share storage with another (overlapping views: moving one moves the other) and
    inference tensors outside inference mode (not writable) left out, merged as the exporter merges them"""
    by_shape: dict[tuple, list] = {}
    seen, storages = set(), {}
    writable = torch.is_inference_mode_enabled()
    tensors = [t for t in (*model.parameters(), *model.buffers()) if t.is_floating_point() and t.numel()
               and not t.is_sparse and t.device.type != "meta" and (writable or not t.is_inference())]
    for tensor in tensors:
        key = (tensor.device, tensor.data_ptr(), tuple(tensor.shape), tensor.stride(), tensor.dtype)
        if key not in seen:
            seen.add(key)
            storages.setdefault((tensor.device, tensor.untyped_storage().data_ptr()), set()).add(key)
            by_shape.setdefault((tensor.device, tuple(tensor.shape), tensor.dtype), []).append((key, tensor))
    groups = []
    for members in by_shape.values():
        by_value: dict[bytes, list] = {}
        for key, tensor in members:
            if len(storages[tensor.device, tensor.untyped_storage().data_ptr()]) == 1:
                by_value.setdefault(_digest(torch, tensor), []).append(tensor)
        taken = set(by_value)
        groups += [(group, taken) for group in by_value.values() if len(group) > 1]
    return groups


def _digest(torch, tensor) -> bytes:
    """a digest of the tensor's values (-0 as +0, which the exporter's comparison takes as equal)"""
    values = (tensor.detach() + 0).reshape(-1).contiguous().view(torch.uint8).cpu()  # + 0: -0 -> +0 (IEEE 754)
    return hashlib.blake2b(values.numpy(), digest_size=16).digest()


def _nudged(torch, tensor, number: int, largest: int) -> tuple:
    """(the indices of the elements to move, their values, their moved values): ``number`` (1 to ``largest``)
    written in the smallest base b with b**n > ``largest`` (n: the fewest finite elements of a row; a row: a slice
    along the first axis of a matrix or more, else the whole tensor), its k-th digit the ulps toward +inf that each
    row's k-th element by magnitude (largest first; a tie in their order) moves, so that the tensors of one value
    differ by at most b - 1 ulps an element; a zero (or subnormal) element moves from the smallest normal float on:
    0 moved by ulps is subnormal, and a batch norm folded into a convolution multiplies it down to 0 again"""
    rows = tensor.shape[0] if tensor.dim() > 1 else 1
    flat = tensor.detach().reshape(rows, -1)
    finite = torch.isfinite(flat)
    n = max(int(finite.sum(1).min()), 1)
    base = 2
    while base ** n <= largest:
        base += 1
    digits = []
    while number:
        number, digit = divmod(number, base)
        digits.append(digit)
    magnitude = torch.where(finite, flat.abs(), torch.full_like(flat, -1.0))
    columns = torch.sort(magnitude, dim=1, descending=True, stable=True).indices[:, :len(digits)]
    value = flat.gather(1, columns)
    tiny = torch.finfo(tensor.dtype).tiny
    steps = torch.tensor(digits, device=flat.device).expand_as(value)
    small = (value.abs() < tiny) & (steps > 0)
    steps = steps - small.long()  # the smallest normal float is the first step from 0
    new, up = torch.where(small, torch.full_like(value, tiny), value), torch.full_like(value, float("inf"))
    for step in range(int(steps.max())):
        new = torch.where(steps > step, torch.nextafter(new, up), new)
    position = (torch.arange(rows, device=flat.device)[:, None] * flat.shape[1] + columns).reshape(-1)
    return torch.unravel_index(position, tuple(tensor.shape)), value.reshape(-1), new.reshape(-1)


def plain_values(onnx, nudged, plain):
    """``nudged`` (the ONNX model exported under :func:`distinct_values`), its Gemms given one transpose
    (:func:`one_transpose`, of the moved values, which tell equal tensors apart), each of its initializers then
    holding the values of the initializer that the same node of ``plain`` (the model's export without the moves)
    reads at the same place, in place; else ``plain``, given one transpose, where it is ``nudged`` (no tensor
    moved) or the two graphs' nodes differ (a trace that the moves changed: torch's values, equal tensors merged)"""
    (ours, mine), (theirs, their) = _reads(nudged.graph), _reads(plain.graph)
    constants = {i.name: i for i in plain.graph.initializer}
    values = {}
    if nudged is not plain and [(n.op_type, len(n.input)) for n in ours] == [(n.op_type, len(n.input)) for n in theirs]:
        for node, other in zip(ours, theirs):
            for name, plain_name in zip(node.input, other.input):
                source = constants.get(their.get(plain_name, plain_name))
                if source is not None:
                    values.setdefault(mine.get(name, name), source)
    initializers = [(i, values.get(i.name)) for i in nudged.graph.initializer]
    if not values or any(v is None or (v.dims, v.data_type) != (i.dims, i.data_type) for i, v in initializers):
        one_transpose(onnx, plain)
        return plain
    one_transpose(onnx, nudged)
    for initializer, value in initializers:
        name = initializer.name
        initializer.CopyFrom(value)
        initializer.name = name
    return nudged


def _reads(graph) -> tuple[list, dict]:
    """(the nodes of ``graph`` but the Identity nodes of an initializer, their outputs -> that initializer): torch's
    exporter gives each name of a merged initializer such a node"""
    constants = {i.name for i in graph.initializer}
    aliases = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Identity" and n.input[0] in constants}
    return [n for n in graph.node if not (n.op_type == "Identity" and n.input[0] in constants)], aliases


def one_transpose(onnx, exported) -> None:
    """Each Gemm of the ONNX model ``exported`` that reads a 2-d initializer transposed (transB) where another
    initializer holds its transpose reads that one, untransposed, in place: torch's exporter writes a Linear's
    weight W for a Gemm (a 2-d input) and W^T for a MatMul (any other rank), two initializers of one tensor, which
    the import takes for one matrix where one initializer is read (tensors of equal values are kept apart by
    :func:`distinct_values`, so equal values are one tensor)"""
    graph = exported.graph
    constants = {i.name: i for i in graph.initializer}
    gemms = [node for node in graph.node if node.op_type == "Gemm" and len(node.input) > 1
             and node.input[1] in constants and len(constants[node.input[1]].dims) == 2
             and any(a.name == "transB" and a.i for a in node.attribute)]
    wanted = {tuple(constants[node.input[1]].dims[::-1]) for node in gemms}
    by_value = {}
    for initializer in graph.initializer:
        if tuple(initializer.dims) in wanted:  # only these are read (a model of GiBs)
            by_value.setdefault(_values_key(onnx.numpy_helper.to_array(initializer)), initializer.name)
    for node in gemms:
        weight = onnx.numpy_helper.to_array(constants[node.input[1]])
        name = by_value.get(_values_key(np.ascontiguousarray(weight.T)))
        if name is not None:
            node.input[1] = name
            for attribute in node.attribute:
                if attribute.name == "transB":
                    attribute.i = 0


def _values_key(array: np.ndarray) -> tuple:
    """the shape, dtype and a digest of the values of ``array``"""
    return array.shape, array.dtype.str, hashlib.blake2b(np.ascontiguousarray(array).tobytes(), digest_size=16).digest()
