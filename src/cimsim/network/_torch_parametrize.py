"""A model whose weights are torch parametrizations (``torch.nn.utils.parametrizations.orthogonal``,
``spectral_norm``, ``weight_norm``, or the user's own ``register_parametrization``) as
:func:`~cimsim.network.torch_import.from_torch` exports it: a copy whose parametrized tensors are the plain tensors
they compute. At inference a parametrized weight is one tensor, but the computation that makes it, traced with the
forward pass, holds operators torch's TorchScript exporter refuses (orthogonal's ``aten::mH``, spectral_norm's
``aten::vdot``), and would be counted as work of every input.

The hook-based ``torch.nn.utils.spectral_norm`` and ``weight_norm`` (no parametrizations) export as they are.
"""

from __future__ import annotations

from ._torch_accept import copied

__all__ = ["materialised"]


def materialised(torch, model):
    """``model`` itself where none of its modules is parametrized, else a copy of it (:func:`._torch_accept.copied`)
    whose parametrized tensors are their values as the model computes them in its present modes
    (``torch.nn.utils.parametrize.remove_parametrizations(..., leave_parametrized=True)``): from_torch calls this in
    eval mode, in which spectral_norm reads its power iteration's vectors without updating them, so that the values
    are the model's own eval-mode weights. The user's model is never modified; a model that cannot be copied, or
    whose parametrizations torch cannot remove, is given back as it is (its export then fails, or not, as it would
    have)."""
    parametrize = torch.nn.utils.parametrize
    if not any(parametrize.is_parametrized(module) for module in model.modules()):
        return model
    try:
        copy = copied(model, torch)  # a deep copy, else module by module (a module holding a lock, a handle)
    except ValueError:  # neither: exported as it is
        return model
    try:
        for module in copy.modules():
            if parametrize.is_parametrized(module):
                module.__class__ = _own_class(module.__class__)
                for name in list(module.parametrizations.keys()):  # removing one changes the dict
                    parametrize.remove_parametrizations(module, name, leave_parametrized=True)
    except Exception:  # a parametrization torch cannot remove (one changing its tensor's dtype): as it is
        return model
    return copy


def _own_class(cls):
    """a twin of ``cls``, the class torch made for one parametrized module (``ParametrizedLinear``: the module's
    class with a property per parametrized tensor), which a deep copy of the module shares: removing a
    parametrization deletes its property from the class, which would take it from the user's module too"""
    held = {key: value for key, value in vars(cls).items() if key not in ("__dict__", "__weakref__")}
    return type(cls.__name__, cls.__bases__, held)
