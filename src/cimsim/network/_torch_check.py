"""An imported torch model's network checked against the model's own forward pass: refused, saying why, where they
differ beyond float rounding (a batch-mixing model, a value-dependent traced branch, an operation torch's ONNX export
computes otherwise), warned where they differ beyond the float32 rounding of the models tried yet within it."""

from __future__ import annotations

import warnings

import numpy as np

from ._torch_accept import copied
from ._torch_export import DYNAMO_HINT
from ._torch_lookups import renormed_lookups
from ._torch_state import evaluated
from .model import Network

__all__ = ["check_network", "placement", "one_tensor", "as_input", "PROBE_TOLERANCE", "PROBE_ROUNDINGS",
           "ROUNDING_WARNED"]


def check_network(net: Network, model, example: np.ndarray, tracer: list, name: str, torch) -> None:
    """a ValueError, saying why, where ``net`` differs from the model's forward pass: without tracer warnings on
    :func:`_two_samples` (a batch-mixing model differs), with them (most read a shape, fixed for the example's
    sample shape) on every probe (:func:`_probes`), where a value-dependent branch shows"""
    pair = _two_samples(example)
    try:
        disagreement = _disagreement(net, model, example, torch, inputs=None if tracer else [pair])
        alone = disagreement and _disagreement(net, model, example, torch, inputs=[pair[:1], pair[1:]])  # each alone
    except _NotPerSample as exc:
        raise ValueError(f"torch model {name}: {exc}; {_BATCH_FIRST}") from None
    except _ProbeRaised as exc:
        if (own := _example_error(model, example, torch)) is not None:  # the example, not a probe made from it
            raise ValueError(f"torch model {name}: the example does not fit the model: {own}") from None
        raise ValueError(f"torch model {name}: {exc}, so its trace cannot be checked: the probe input made it raise, "
                         f"not its control flow ({_PROBED_IDS if example.dtype.kind in 'iu' else _PROBED_FLOATS}"
                         ) from None
    if not tracer and (disagreement or alone) and _float64_agrees(net, model, example, pair, _probe_tolerance(
            model, placement(model, torch)[0], torch), torch):  # the model's own rounding (an output that is 0)
        disagreement = alone = None
    overflow = next((found for found in (alone, disagreement) if found and _OVERFLOWS in found), None)
    if overflow is not None and _float_overflows(model, pair, example.dtype, torch):
        raise ValueError(f"torch model {name}: {overflow}: the model's float overflows there (a float64 copy of it "
                         "is finite): give an example of the values the model is meant for, or import the model in "
                         "float64 (model.double()), as its network computes")
    if (disagreement is not None or alone is not None) and (written := _written_buffers(model, example, torch)):
        raise ValueError(f"torch model {name}: its forward pass writes its buffer(s) {', '.join(written)} (a counter "
                         "or a running statistic), so each call computes something else and no one network stands "
                         "for it: update them only in training (if self.training: ...); cimsim imports the model in "
                         "eval mode")
    if disagreement is not None and tracer:
        raise ValueError(f"torch model {name}: its trace depends on the input values (dynamic control flow), so "
                         f"one trace cannot stand for the model: {disagreement}; the tracer warned: "
                         f"{tracer[0].message}")
    if disagreement is not None and "not one tensor" in disagreement:
        raise ValueError(f"torch model {name}: {disagreement}: wrap the model so that it returns one tensor")
    if alone is not None:
        raise ValueError(f"torch model {name}: its network differs from the model on the example itself ({alone}): "
                         "torch's ONNX export of an operation in it computes something else"
                         f"{_fast_path(model, example, torch)}{DYNAMO_HINT}")
    if disagreement is not None:
        raise ValueError(f"torch model {name}: its network, one per sample, differs from the model {disagreement}; "
                         f"{_BATCH_FIRST}")
    _warn_beyond_rounding(net, model, example, pair, name, torch)
    if tracer:  # the probes passed, yet inputs unlike them may take another branch: torch's warning passed on
        warnings.warn(f"torch model {name}: the trace holds one path of the model's Python control flow on tensors "
                      f"(torch's tracer warned {len(tracer)} time(s), first at {tracer[0].filename}:"
                      f"{tracer[0].lineno}: {tracer[0].message}); its network matched the model on "
                      f"{sum(map(len, _probes(example)))} probe inputs, not on every input", UserWarning, stacklevel=3)


def _written_buffers(model, example: np.ndarray, torch) -> list[str]:
    """the buffers (as "'name'") whose values the model's forward pass on the example's first sample changes where a
    second pass on it gives another output (eval mode, no_grad; each buffer given back its values after); none where
    a pass raises or the two agree (a call counter the output does not read)"""
    dtype, device = placement(model, torch)
    with torch.no_grad(), evaluated(model, torch), renormed_lookups(torch):
        before = {name: buffer.detach().clone() for name, buffer in model.named_buffers()}
        try:
            first, second = (one_tensor(model(as_input(example[:1], dtype, device, torch)), torch) for _ in "12")
        except Exception:  # noqa: BLE001 (the model's own code may raise anything: no buffer is named then)
            return []
        if isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor) and _same(first, second, torch):
            return []
        after = dict(model.named_buffers())
        return [f"'{name}'" for name, values in before.items()
                if name not in after or not _same(after[name], values, torch)]


def _same(a, b, torch) -> bool:
    """whether tensors ``a`` and ``b`` hold the same shape and values (NaN where the other has NaN)"""
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), rtol=0.0, atol=0.0, equal_nan=True)


def _float_overflows(model, pair: np.ndarray, kind: np.dtype, torch) -> bool:
    """whether the model's output on ``pair`` (the example's samples, as floats; ``kind`` the example's dtype) is
    infinite or NaN somewhere a float64 copy of the model's is finite: its own float overflows there (not a NaN the
    model keeps where its export computes a number); False for a model in float64, or one no copy of runs"""
    dtype, device = placement(model, torch)
    x = pair.astype(kind) if kind.kind in "iu" else pair
    if dtype == torch.float64:
        return False
    try:
        with torch.no_grad(), evaluated(model, torch), renormed_lookups(torch):
            own = one_tensor(model(as_input(x, dtype, device, torch)), torch)
            wide = copied(model, torch).to(torch.float64)
            f64 = one_tensor(wide(as_input(x, torch.float64, device, torch)), torch)
        return bool((~torch.isfinite(own.double()) & torch.isfinite(f64)).any())
    except Exception:  # noqa: BLE001 (a model that will not run in float64: no overflow named)
        return False


def as_input(x: np.ndarray, dtype, device, torch):
    """``x`` as the model's input: token ids as int64, else values in the model's ``dtype``, on its ``device``"""
    return torch.tensor(x).to(device=device, dtype=torch.long if x.dtype.kind in "iu" else dtype)


def _fast_path(model, example: np.ndarray, torch) -> str:
    """the likely cause where the model holds an nn.TransformerEncoder built for nested tensors (the default) and
    its output on the example's first sample holds all-zero vectors: in eval mode with a padding mask torch runs a
    fast path that writes 0 at padded positions, which the export computes as the layers do"""
    encoders = [m for m in model.modules() if isinstance(m, torch.nn.TransformerEncoder)
                and getattr(m, "use_nested_tensor", False)]
    if not encoders:
        return ""
    dtype, device = placement(model, torch)
    try:
        with torch.no_grad(), evaluated(model, torch):
            out = one_tensor(model(as_input(example[:1], dtype, device, torch)), torch)
        zeros = out.dim() >= 2 and bool((out == 0).all(-1).any())
    except Exception:  # noqa: BLE001 (a model that raises, or returns no tensor, gets no hint)
        zeros = False
    return ("" if not zeros else
            f" (likely: {len(encoders)} nn.TransformerEncoder built with enable_nested_tensor=True, the default, "
            "which with a src_key_padding_mask in eval mode writes 0 at padded positions, where the export computes "
            "the layers; build it with enable_nested_tensor=False, which computes the padded positions too, or "
            "export with dynamo)")


_BATCH_FIRST = ("its first axis must be the batch and its samples independent (a sequence-first RNN or attention: use "
                "batch_first=True, or wrap it)")
"""what a model must be for one network per sample to stand for it"""


class _NotPerSample(ValueError):
    """a model output whose leading size is not the number of samples fed (:func:`_disagreement`)"""


class _ProbeRaised(ValueError):
    """the model's own forward pass raising on a probe input (:func:`_disagreement`)"""


def _two_samples(x: np.ndarray) -> np.ndarray:
    """a batch of two different samples of the example's shape, as floats, on which a model that mixes its samples
    differs from one network per sample: the example's first sample and the first that differs from it (through an
    even statistic too, as the batch's largest magnitude, which a sample and its negation share); for an example of
    one distinct sample, its ids reversed (token ids) or its negation halved. Two whatever the example's size"""
    other = next((s[None] for s in x[1:] if not np.array_equal(s, x[0])), None)
    if other is None:
        other = np.flip(x[:1], -1) if x.dtype.kind in "iu" else -0.5 * x[:1]
    return np.concatenate([x[:1], other]).astype(np.float64)


PROBE_TOLERANCE = 1e-3
"""largest difference between the imported network and the model's own forward pass on a probe input, relative to
the largest output magnitude: float32 rounding is about 1e-6 of it; a different traced branch differs by O(1)"""
PROBE_ROUNDINGS = 8
"""a model whose parameters are a coarser float (float16, bfloat16) may differ by this many of its own roundings
(epsilon, of the largest output) where that exceeds PROBE_TOLERANCE: bfloat16's, a few 1e-3 of a small network's"""


ROUNDING_WARNED = 1e-5
"""largest difference between the imported network and the model's forward pass on the example, relative to the
largest output, passed without a warning: the float32 rounding of the models tried is 1e-7 to 1e-6 of it (over 90
Hugging Face architectures' small configurations, GPT-2 small 9.3e-7, ResNet-50 2.2e-7; measured 2026-12-04), while
an operation torch's export computes otherwise can differ by less than PROBE_TOLERANCE after the layers that follow
it (Longformer's attention, 1.6 % off, left 8e-5 at the model's output)"""


def _roundings(model, dtype, torch) -> float:
    """PROBE_ROUNDINGS roundings of the model's least precise float, the dtype's (``dtype``, the one it runs in) or a
    parameter's or buffer's (a float32 layer before a bfloat16 one: bfloat16's), relative"""
    floats = [dtype] * dtype.is_floating_point + [t.dtype for t in (*model.parameters(), *model.buffers())]
    return max([0.0] + [PROBE_ROUNDINGS * torch.finfo(f).eps for f in floats if f.is_floating_point])


def _probe_tolerance(model, dtype, torch) -> float:
    """the largest relative difference accepted between the imported network and a model run in ``dtype``"""
    return max(PROBE_TOLERANCE, _roundings(model, dtype, torch))


def _warn_beyond_rounding(net: Network, model, example: np.ndarray, pair: np.ndarray, name: str, torch) -> None:
    """a warning where ``net`` differs from the model on two of the example's samples (``pair``) by more than
    :data:`ROUNDING_WARNED` (or the roundings of a coarser float the model holds) of the largest output"""
    warned = max(ROUNDING_WARNED, _roundings(model, placement(model, torch)[0], torch))
    difference = warned < PROBE_TOLERANCE and _disagreement(net, model, example, torch, [pair], warned)
    if difference and not _float64_agrees(net, model, example, pair, warned, torch):
        warnings.warn(f"torch model {name}: its network differs from the model on the example beyond float "
                      f"rounding ({difference}; more than {warned:g} of the largest output, where the models "
                      "tried differ by 1e-7 to 1e-6): torch's ONNX export of an operation in it may compute something "
                      f"else; check the outputs you rely on against the model{DYNAMO_HINT}", UserWarning,
                      stacklevel=4)


def _float64_agrees(net: Network, model, example: np.ndarray, pair: np.ndarray, tolerance: float, torch) -> bool:
    """``net`` (float64) matches a float64 copy of the model on ``pair`` (cast as the example is: token ids stay ids)
    within ``tolerance`` of the copy's largest output, or, where the model's output is itself rounding noise (its
    own distance from the copy at least half the copy's largest output: the mean of an instance-normed map, 0, which
    had been refused as an export that computes something else), within twice that distance. Its difference from
    the model is then the model's own rounding (a LayerNorm of inputs near 100 +- 0.01 loses 4.5e-4 of its outputs
    to cancellation), not an export's. False where the copy cannot be made or run in float64. (Reviews: the floor
    everywhere had let a network 4e-4 off pass where the model rounds 5e-4 off, 64x the distance one 20x off; twice
    refuses y * 0.1 * 10 - y for 1-3 seeds in 40, its export's float32 constants held exactly: a stated gap.)"""
    dtype, device = placement(model, torch)
    probe = pair.astype(example.dtype) if example.dtype.kind in "iu" else pair
    try:
        with torch.no_grad(), evaluated(model, torch), renormed_lookups(torch):
            own, exact = (one_tensor(m(as_input(probe, d, device, torch)), torch).detach().cpu().double().numpy()
                          for m, d in ((model, dtype), (copied(model, torch).to(torch.float64), torch.float64)))
    except Exception:  # noqa: BLE001 (a model that will not run in float64, its own code raising anything: it stands)
        return False
    got = net.forward(pair)
    if not (got.shape == own.shape == exact.shape and np.isfinite([got, own, exact]).all()):
        return False
    largest, rounding = float(np.abs(exact).max()), float(np.abs(own - exact).max())
    floor = 2 * rounding if rounding >= largest / 2 else 0.0  # the output rounding noise: the model's own scale
    return float(np.abs(got - exact).max()) <= max(tolerance * largest, floor)


_PROBED_IDS = ("a probe holds, at each position, ids of the range the example's samples hold there); give an example "
               "whose samples span the ids the model takes")
_PROBED_FLOATS = ("a float example's probes negate, double, shift and mirror its values and draw normal ones: a model "
                  "that takes only some values, positive inputs or ids read from floats (x[:, k].long() into an "
                  "embedding), meets others); give an example whose samples span the values the model takes, and "
                  "ids as an integer input, whose probes stay within the example's range")


def _probes(x: np.ndarray) -> list[np.ndarray]:
    """inputs of the example's sample shape that a value- or batch-dependent trace gets wrong (fixed seed): the
    example and its negation in one batch, its negation alone (a batch-wide sum or mean of the pair is 0, so a branch
    on the batch's sign took either way by rounding: a probe), two samples of normal values with the example's mean
    and spread, and its first sample doubled, shifted up by two spreads and with its range mirrored (max + min - x),
    in one batch; for token ids, the example and its ids reversed, and two samples of ids each drawn from the range
    the example's samples hold at its position (fields of other ranges packed in one tensor: ids and token types)"""
    rng = np.random.default_rng(0)
    if x.dtype.kind in "iu":
        drawn = rng.integers(x.min(axis=0), x.max(axis=0) + 1, (2,) + x.shape[1:])
        return [np.concatenate([x, np.flip(x, -1)]).astype(np.float64), drawn.astype(np.float64)]
    x = x.astype(np.float64)
    spread = float(x.std()) or 1.0
    first, ends = x[:1], float(x.max() + x.min())
    return [np.concatenate([x, -x]), -x, rng.normal(float(x.mean()), spread, (2,) + x.shape[1:]),
            np.concatenate([2 * first, first + 2 * spread, ends - first])]


def _example_error(model, x: np.ndarray, torch) -> str | None:
    """how the model's own forward pass (eval mode, no_grad) raises on the example ``x``: on the first sample that
    makes it raise, or on the whole example where each sample alone runs; None where it runs on the whole"""
    dtype, device = placement(model, torch)

    def raised(rows: np.ndarray) -> Exception | None:
        try:
            model(as_input(rows, dtype, device, torch))
        except MemoryError:  # the machine's limit, not the model's: no word on the example
            raise
        except Exception as exc:  # the model's own code may raise anything on an input it rejects
            return exc
        return None

    with evaluated(model, torch), renormed_lookups(torch), torch.no_grad():
        if (whole := raised(x)) is None:  # the whole example first: one pass where it runs
            return None
        for k in range(len(x)):
            if (exc := raised(x[k:k + 1])) is not None:
                return f"its forward pass on the example's sample {k} raises {type(exc).__name__} ({exc})"
    return (f"its forward pass on the whole example ({len(x)} samples) raises {type(whole).__name__} ({whole}), though "
            "each sample alone runs: the model depends on its batch (its size, or its samples' values together), "
            "which no network of one sample at a time stands for")


def _disagreement(net: Network, model, x: np.ndarray, torch, inputs: list[np.ndarray] | None = None,
                  tolerance: float | None = None) -> str | None:
    """None where ``net`` matches the model's eager forward pass on every probe (:func:`_probes`, or the given
    ``inputs``) within ``tolerance`` (None: :func:`_probe_tolerance` of the model's precision; NaN and infinities
    where both have them; a float example's negation alone also where the model gives it what it gave it beside the
    example, no branch on the batch (a GELU's outputs on -5 are rounding noise; the example's scale, then the
    input's, let real branches pass: reviews), or matching a float64 copy of the model), else what differed or
    stopped the check; :class:`_NotPerSample` where it is not one per sample, :class:`_ProbeRaised` where it raises"""
    (dtype, device), pair = placement(model, torch), None
    with evaluated(model, torch), renormed_lookups(torch):  # the model's embedding tables left as they are
        for k, probe in enumerate(_probes(x) if inputs is None else inputs):
            try:
                with torch.no_grad():  # on a copy of the probe: a model may write into its input
                    want = model(as_input(probe.astype(x.dtype) if x.dtype.kind in "iu" else probe, dtype, device,
                                         torch))
            except Exception as exc:  # the model's own code may raise anything on an input it rejects
                raise _ProbeRaised(f"the model raised {type(exc).__name__} on a probe input ({exc})") from None
            want = one_tensor(want, torch)
            if not isinstance(want, torch.Tensor):
                return f"its output is a {type(want).__name__}, not one tensor, so the trace cannot be checked"
            if want.dim() == 0 or want.shape[0] != len(probe):  # e.g. MusicGen's codebooks folded into the batch
                raise _NotPerSample(f"its output is not one per sample (on a batch of {len(probe)} inputs of the "
                                    f"example's shape the model gives shape {tuple(want.shape)})")
            limit, got, want = (_probe_tolerance(model, dtype, torch) if tolerance is None else tolerance,
                                net.forward(probe), want.detach().cpu().double().numpy())
            pair = want if (inputs, k) == (None, 0) else pair  # the example and its negation in one batch
            if (difference := _difference(got, want, limit)) and (inputs, k) == (None, 1) and x.dtype.kind == "f" and \
                    got.shape == want.shape and (_difference(want, pair[len(x):], limit) is None or _float64_agrees(
                        net, model, x, probe, limit, torch)):
                difference = None
            if difference:
                return f"on a batch of {len(probe)} input{'s' * (len(probe) != 1)} of the example's shape, {difference}"
    return None


def one_tensor(output, torch):
    """the tensor of a model output that holds one tensor only (a dict, tuple or list of one, its other values None:
    the ONNX export flattens it and drops them), else the output as it is"""
    items = list(output.values()) if isinstance(output, dict) else output if isinstance(output, (tuple, list)) else []
    items = [item for item in items if item is not None]
    return items[0] if len(items) == 1 and isinstance(items[0], torch.Tensor) else output


def _difference(got: np.ndarray, want: np.ndarray, tolerance: float) -> str | None:
    """what separates the traced network's output from the model's beyond ``tolerance`` (of the largest), or None"""
    if got.shape != want.shape:
        return f"the traced network gives shape {got.shape}, the model {want.shape}"
    if not (np.array_equal(np.isnan(got), np.isnan(want)) and np.array_equal(np.isposinf(got), np.isposinf(want))
            and np.array_equal(np.isneginf(got), np.isneginf(want))):
        if np.isfinite(want[np.isfinite(got)]).all():  # the model finite wherever the network is: not its float
            return "the traced network and the model have NaN or infinite values in different places"
        overflowed = np.isfinite(got) & ~np.isfinite(want)
        return f"{_OVERFLOWS} at {overflowed.sum()} of its {got.size} outputs, where the traced network's (float64) is"\
               " finite"
    finite = np.isfinite(want)
    scale = float(np.abs(want[finite]).max(initial=0.0)) or 1.0
    worst = float(np.abs(got[finite] - want[finite]).max(initial=0.0))
    return None if worst <= tolerance * scale else \
        f"the traced network and the model differ by up to {worst:.3g} (outputs up to {scale:.3g})"


_OVERFLOWS = "the model's output is infinite or NaN"
"""what :func:`_difference` says where the model's output is infinite or NaN and the network's is not (an overflow
of the model's float where a float64 copy of it is finite, :func:`_float_overflows`; else a NaN the model keeps)"""


def placement(model, torch) -> tuple:
    """(dtype, device) of the model's first floating-point parameter, else buffer (float32 on the CPU for a model
    without either): where its example and probes go (a model on a GPU is traced and checked there)"""
    first = next((t for t in (*model.parameters(), *model.buffers()) if t.is_floating_point()), None)
    return (torch.float32, torch.device("cpu")) if first is None else (first.dtype, first.device)
