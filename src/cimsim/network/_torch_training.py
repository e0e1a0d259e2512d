"""Whether a PyTorch model left in training mode computes otherwise there in its own code, which no module's kind
says: :func:`~cimsim.network.torch_import.from_torch` warns where it does (it imports the eval form)."""

from __future__ import annotations

import numpy as np

from ._torch_check import as_input, one_tensor, placement
from ._torch_lookups import renormed_lookups
from ._torch_state import computes_otherwise, evaluated

__all__ = ["trains_otherwise", "TRAINING_SHOWN"]

TRAINING_SHOWN = 1e-4
"""a model's output in its own (training) modes that differs from its eval-mode output by more than this share of the
latter's largest value, or 32 roundings of the model's precision where more (a bfloat16 attention's fast eval kernel
rounds 2.5e-3 apart from its training path), computes otherwise in training"""


def trains_otherwise(model, example: np.ndarray, torch) -> bool:
    """whether ``model``, some module of it left in training mode, gives another output on the example's first sample
    in its own modes than in eval mode (beyond :data:`TRAINING_SHOWN`) where the modules that compute otherwise by
    their kind (:func:`.computes_otherwise`) run in eval mode: training-only code of its own (a ``self.training``
    branch, ``F.dropout(training=self.training)``, a library's attention dropout given as an argument). No_grad;
    torch's random state (the CPU's and the model's GPUs'), every buffer and mode given back; False where a pass raises
    or gives no one tensor."""
    own_modes = [(m, m.training and not computes_otherwise(m)) for m in model.modules() if hasattr(m, "training")]
    if not any(training for _, training in own_modes):
        return False
    dtype, device = placement(model, torch)
    gpus = sorted({t.device.index or 0 for t in (*model.parameters(), *model.buffers()) if t.device.type == "cuda"})
    with torch.no_grad(), torch.random.fork_rng(devices=gpus), evaluated(model, torch), renormed_lookups(torch):
        try:
            passes = []
            for set_modes in (False, True):  # eval mode, then each module's own
                for module, training in own_modes if set_modes else ():
                    module.training = training
                passes.append(one_tensor(model(as_input(example[:1], dtype, device, torch)), torch))
        except Exception:  # noqa: BLE001 (the model's own code may raise anything: no warning then)
            return False
    evaluated_out, own = passes
    if not (isinstance(evaluated_out, torch.Tensor) and isinstance(own, torch.Tensor)):
        return False
    scale = float(evaluated_out.double().abs().nan_to_num(0.0, 0.0, 0.0).max()) if evaluated_out.numel() else 0.0
    shown = max(TRAINING_SHOWN, 32 * torch.finfo(dtype).eps if dtype.is_floating_point else 0.0) * scale
    return own.shape != evaluated_out.shape or not torch.allclose(own.double(), evaluated_out.double(), rtol=0.0,
                                                                  atol=shown, equal_nan=True)
