"""Distinct tensors of equal values kept apart through torch's ONNX export.

torch's TorchScript exporter merges the initializers of equal values into one (``deduplicate_initializers``, in
eval mode; by value, not by tensor), so two modules whose weights are equal (a layer deep-copied by
``nn.TransformerEncoder``, zero biases, ones scales) would become one shared matrix. During the export, each such
tensor after the first of its values differs from the others by a few units in the last place (ulps) in one element
(:func:`distinct_values`); one tensor read at several places (a module applied twice, a tied head) is one tensor and
is left as it is, so the exporter's merge of its folded copies still makes it one matrix. The initializers that are
such a tensor, or its transpose (a Linear's weight as MatMul reads it), get its exact values back after the export
(:func:`exact_initializers`); one folded with others (a batch norm into a convolution) keeps the few ulps.
"""

from __future__ import annotations

import contextlib
import hashlib

import numpy as np

__all__ = ["distinct_values", "exact_initializers"]


@contextlib.contextmanager
def distinct_values(torch, model):
    """During the block, the k-th (k >= 1) of the floating-point parameters and buffers of ``model`` that hold the
    same values (other tensors, not one tensor listed twice) has one element moved toward +inf: its
    ((k - 1) mod n)-th largest in magnitude of the finite ones (n of them) by 1 + (k - 1) // n ulps, more where that
    would equal another tensor, so each differs from the others in one element by a few ulps; the values are
    restored afterwards, bit for bit, through ``.data`` (a pending backward pass still finds its tensors' versions).
    Yields the (values exported, values) of each tensor moved (numpy), for :func:`exact_initializers`."""
    changed, moved = [], []
    try:
        with torch.no_grad():
            for group, taken in _equal_groups(torch, model):
                for rank, tensor in enumerate(group[1:]):
                    for extra in range(len(taken) + 1):  # a move that equals a third tensor is moved further
                        index, value, new = _nudged(torch, tensor, rank, extra)
                        changed.append((tensor, index, value))  # before the write: restored whatever follows
                        tensor.data[index] = new
                        digest = _digest(torch, tensor)
                        if digest not in taken:
                            taken.add(digest)
                            break
                        tensor.data[index] = value
                        changed.pop()
            for tensor, index, value in changed:
                if tensor.dtype in (torch.float16, torch.float32, torch.float64):  # the dtypes numpy holds
                    exported = tensor.detach().cpu().numpy().copy()
                    original = exported.copy()
                    original[index] = value.item()
                    moved.append((exported, original))
        yield moved  # not under torch.no_grad: the export traces as the caller set it
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


def _nudged(torch, tensor, rank: int, extra: int) -> tuple:
    """(the index of the element to move, its value, its moved value): the element ``rank`` mod n (the n finite
    elements by magnitude, largest first) moved 1 + rank // n + ``extra`` ulps toward +inf"""
    flat = tensor.detach().reshape(-1)
    finite = torch.isfinite(flat)
    count = max(int(finite.sum()), 1)
    magnitude = torch.where(finite, flat.abs(), torch.full_like(flat, -1.0))
    position = int(torch.topk(magnitude, rank % count + 1).indices[-1])
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(position), tuple(tensor.shape)))
    value = tensor[index].clone()
    moved, up = value.clone(), torch.tensor(float("inf"), dtype=tensor.dtype, device=tensor.device)
    for _ in range(1 + rank // count + extra):
        moved = torch.nextafter(moved, up)
    return index, value, moved


def exact_initializers(onnx, exported, moved: list) -> None:
    """The initializers of the ONNX model ``exported`` that hold the values of a tensor :func:`distinct_values`
    moved, or their transpose (2-D), given that tensor's own values, in place (``moved``: its pairs)"""
    if not moved:
        return
    wanted = {}
    for values, original in moved:
        wanted[values.shape, values.dtype.str, values.tobytes()] = original
        if values.ndim == 2:
            wanted[values.T.shape, values.dtype.str, np.ascontiguousarray(values.T).tobytes()] = original.T
    shapes = {(shape, onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))) for shape, dtype, _ in wanted}
    for initializer in exported.graph.initializer:
        if (tuple(initializer.dims), initializer.data_type) in shapes:  # only these are read (a model of GiBs)
            array = onnx.numpy_helper.to_array(initializer)
            original = wanted.get((array.shape, array.dtype.str, np.ascontiguousarray(array).tobytes()))
            if original is not None:
                initializer.CopyFrom(onnx.numpy_helper.from_array(np.ascontiguousarray(original), initializer.name))
