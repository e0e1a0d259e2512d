"""The model object handed to the ONNX importer: an in-memory ``onnx.ModelProto`` whose weights are all loaded."""

from __future__ import annotations

__all__ = ["checked_model"]


def checked_model(onnx, model, source: str):
    """``model`` where it is an ``onnx.ModelProto`` with its weights loaded, else a TypeError naming what was given and
    the function a file goes through (a path had failed as "'str' object has no attribute 'graph'"), or
    :func:`_check_external_data`'s ValueError"""
    if not isinstance(model, onnx.ModelProto):
        raise TypeError(f"{source} must be an onnx.ModelProto; got {type(model).__name__}: a file goes through "
                        "cimsim.network.load_network(path), bytes through onnx.load_from_string(data)")
    _check_external_data(model, source)
    return model


def _check_external_data(model, source: str) -> None:
    """ValueError where a weight of ``model`` is kept in an external data file that was not loaded with it"""
    tensors = (*model.graph.initializer, *(a.t for n in model.graph.node for a in n.attribute if a.HasField("t")))
    for tensor in tensors:
        if tensor.data_location == tensor.EXTERNAL:
            location = next((e.value for e in tensor.external_data if e.key == "location"), "?")
            raise ValueError(f"{source}: the values of tensor {tensor.name!r} are in the external data file "
                             f"{location!r}, which was not loaded with the model (onnx.load(..., "
                             "load_external_data=False)): load the model with its data (onnx.load(path)), or pass "
                             "the file's path (load_network(path))")
