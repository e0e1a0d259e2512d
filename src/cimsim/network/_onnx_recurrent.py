"""ONNX recurrent operators (RNN, GRU, LSTM), unrolled over their time steps at import, one handler (the handler
signature of :mod:`._onnx_ops`).

Per direction, the input matrix W is one Dense over the whole sequence (one vector per step) and the recurrent
matrix R one Dense object read at every step after the first (weight sharing: one programmed matrix, see
:class:`~cimsim.network.Network`); the gates are slices, activation layers and elementwise products and sums, as
ONNX defines them. Activations: Sigmoid, Tanh, Relu or HardSigmoid, ONNX's defaults unless the node names others. A
GRU's candidate gate follows ``linear_before_reset``: 1, as torch exports it, or 0, ONNX's default, where R is two
matrices, the update and reset gates' and the candidate's (which reads the reset state). A zero initial state (the
default) is no state: the first step reads no R; a constant one enters the first step as constants (R h0 computed
at import). The graph is imported with its batch axis kept (layout 0 puts it second; layout 1, first: the node
between transposes): the sequences of that axis (one, or several per sample, as Sequencer's rows) run side by side.
"""

from __future__ import annotations

import numpy as np

from ._onnx_fold import text_attr
from ._onnx_movement import BatchAxisError
from .layers import Dense
from .movement import Concat, Reshape, Slice, Transpose
from .ops import Affine, Clip, Elementwise, ReLU, Unary

__all__ = ["RECURRENT_HANDLERS"]

_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
_ACTIVATIONS = {"RNN": ["tanh"], "GRU": ["sigmoid", "tanh"], "LSTM": ["sigmoid", "tanh", "tanh"]}
"""ONNX's default activations of each operator (f, g, h)"""
_FUNCTIONS = {"sigmoid": lambda: Unary("sigmoid"), "tanh": lambda: Unary("tanh"), "relu": ReLU,
              "hardsigmoid": lambda alpha=0.2, beta=0.5: (Affine(scale=alpha, shift=beta), Clip(0.0, 1.0))}
"""the activations an unrolled step may use, as layers (HardSigmoid, Keras' recurrent_activation: an affine and a
clip, its alpha and beta the next of activation_alpha and activation_beta, ONNX's 0.2 and 0.5 when none is left)"""


def _recurrent(g, op, attrs, names, outs, name):
    """RNN, GRU or LSTM (module doc): outputs Y (seq, directions, batch, hidden), Y_h and Y_c (directions, batch,
    hidden); layout 1 (batch first: X (batch, seq, input), Y (batch, seq, directions, hidden), the states (batch,
    directions, hidden)): the layout-0 node between transposes"""
    layout = int(attrs.get("layout", 0))
    if layout not in (0, 1):
        raise ValueError(f"{op} layout {layout} is not one of ONNX's 0 and 1")
    if not g.batch_as_axis:
        raise BatchAxisError(f"{op} is unrolled with the graph's batch axis kept as an axis (layout {layout}: the "
                             f"batch on axis {1 - layout})")
    if not layout:
        return _unrolled(g, op, attrs, names, outs, name)
    inner, first = list(names) + [""] * (7 - len(names)), f"{next(o for o in outs if o)}#layout0"
    g.append(Transpose((1, 0, 2)), names[:1], f"{first}#x", name)
    inner[0] = f"{first}#x"
    for k, part in ((5, "initial_h"), (6, "initial_c")):
        given = g.operand(inner, k, part)
        if given is not None and np.ndim(given) == 3:
            inner[k] = f"{first}#{part}"
            g.consts[inner[k]] = np.swapaxes(given, 0, 1)
    shaped = [f"{o}#layout0" if o else "" for o in outs]
    _unrolled(g, op, {**attrs, "layout": 0}, inner, shaped, name)
    for out, value, perm in zip(outs, shaped, ((2, 0, 1, 3), (1, 0, 2), (1, 0, 2))):
        if out:
            g.append(Transpose(perm), [value], out, name)


def _unrolled(g, op, attrs, names, outs, name):
    """the layers of a layout-0 node (:func:`_recurrent`)"""
    x = names[0]
    seq, batch, _ = g.full_shape(x)
    w, r = (np.asarray(g.operand(names, k, part), dtype=np.float64) for k, part in ((1, "W"), (2, "R")))
    gates, hidden = _GATES[op], int(attrs.get("hidden_size", r.shape[-1]))
    b = g.operand(names, 3, "B")  # not given: no bias (none made up, none counted)
    b = None if b is None else np.asarray(b, dtype=np.float64)
    if w.shape[1:] != (gates * hidden, g.full_shape(x)[2]) or r.shape != (len(w), gates * hidden, hidden) or \
            (b is not None and b.shape != (len(w), 2 * gates * hidden)):
        raise ValueError(f"{op} weights W {list(w.shape)}, R {list(r.shape)} and B {list(np.shape(b))} do not fit "
                         f"{gates} gates of {hidden} and inputs of {g.full_shape(x)[2]}")
    _check(g, op, attrs, names, (seq, len(w), batch, hidden))
    reverse = {"forward": [False], "reverse": [True], "bidirectional": [False, True]}.get(
        text_attr(attrs, "direction", "forward"))
    if reverse is None or len(w) != len(reverse):
        raise ValueError(f"{op} direction {text_attr(attrs, 'direction', 'forward')!r} does not fit {len(w)} weight "
                         "sets")
    base = f"{next(o for o in outs if o)}#{op}"
    ys, hs, cs = [], [], []
    for d, backwards in enumerate(reverse):
        n = len(_ACTIVATIONS[op])
        roles = _factories(attrs, _activations(op, attrs, len(w)))[d * n:(d + 1) * n]  # this direction's f (g, h)
        cell = _Cell(g, op, (None if b is None else b[d], r[d]), (bool(attrs.get("linear_before_reset", 0)), roles),
                     f"{base}{d}", name)
        g.append(Dense(w[d], cell.input_bias), [x], f"{cell.base}#xw", name)
        state, steps = _initial(g, names, d, batch, hidden), {}
        for t in (reversed(range(seq)) if backwards else range(seq)):
            g.append(Slice(0, t, t + 1), [f"{cell.base}#xw"], f"{cell.base}#x{t}", name)
            state = cell.step(f"{cell.base}#x{t}", *state, f"t{t}")
            steps[t] = state[0]
        g.append(Concat(0), [steps[t] for t in range(seq)], f"{cell.base}#y", name)
        ys.append(_reshaped(g, f"{cell.base}#y", (seq, 1, batch, hidden), name))
        hs.append(state[0])
        cs.append(state[1])
    _outputs(g, outs, (ys, 1), (hs, 0), (cs, 0), name=name)


def _check(g, op, attrs, names, sizes: tuple[int, int, int, int]) -> None:
    """refuse what the unrolling does not do (module doc); ``sizes``: sequence, directions, batch, hidden"""
    seq, directions, batch, hidden = sizes
    activations = _activations(op, attrs, directions)
    if len(activations) != len(_ACTIVATIONS[op]) * directions or any(a not in _FUNCTIONS for a in activations):
        raise ValueError(f"{op} activations {activations} are not supported ({len(_ACTIVATIONS[op])} per direction, "
                         f"each one of {', '.join(_FUNCTIONS)})")
    if "clip" in attrs or attrs.get("input_forget", 0):
        raise ValueError(f"{op} with clip or input_forget is not supported")
    lengths = g.operand(names, 4, "sequence_lens")
    if lengths is not None and (np.shape(lengths) != (batch,) or np.any(np.asarray(lengths) != seq)):
        raise ValueError(f"{op} sequence_lens {np.ravel(lengths).tolist()[:8]} differ from the sequence ({seq}) of "
                         f"each of the {batch}")
    for k, part, shape in ((5, "initial_h", (directions, batch, hidden)), (6, "initial_c", (directions, batch, hidden)),
                           (7, "P", (directions, 3 * hidden))):
        given = g.operand(names, k, part)
        if given is not None and np.shape(given) != shape:
            raise ValueError(f"{op} {part} of shape {list(np.shape(given))}; expected {list(shape)}")
    peepholes = g.operand(names, 7, "P")
    if peepholes is not None and np.any(np.asarray(peepholes) != 0):
        raise ValueError(f"{op} with peepholes (P) is not supported")


def _activations(op: str, attrs: dict, directions: int) -> list[str]:
    """the node's activations, lower case: per direction f (and g, h), the directions one after the other; ONNX's
    defaults where the node names none"""
    given = [(a.decode() if isinstance(a, bytes) else str(a)).lower() for a in attrs.get("activations", [])]
    return given or _ACTIVATIONS[op] * directions


def _factories(attrs: dict, activations: list[str]) -> list:
    """the layer maker of each activation (:data:`_FUNCTIONS`), HardSigmoid's with its alpha and beta"""
    alphas, betas = (list(attrs.get(k, [])) for k in ("activation_alpha", "activation_beta"))
    return [(lambda a=alphas.pop(0) if alphas else 0.2, b=betas.pop(0) if betas else 0.5:
             _FUNCTIONS["hardsigmoid"](a, b)) if name == "hardsigmoid" else _FUNCTIONS[name] for name in activations]


def _initial(g, names: list[str], d: int, batch: int, hidden: int) -> tuple:
    """direction d's initial (h, c): None where zero or not given, else the constant, (1, batch, hidden)"""
    states = []
    for k, part in ((5, "initial_h"), (6, "initial_c")):
        given = g.operand(names, k, part)
        zero = given is None or not np.any(np.asarray(given)[d] != 0)
        states.append(None if zero else np.asarray(given, dtype=np.float64)[d].reshape(1, batch, hidden))
    return tuple(states)


class _Cell:
    """The layers of one direction's steps: ``step`` adds one time step, returning its (h, c) tensor names.
    ``weights``: the biases (Wb then Rb; None: no bias) and R. The biases are summed into W's Dense, but a GRU's
    candidate Rb, which the reset multiplies (linear_before_reset = 1), is added to R's candidate outputs (one array,
    an ``Affine`` at each step). R is one Dense object read at every step after the first; a GRU without
    linear_before_reset has two, the update and reset gates' (on h) and the candidate's (on r h). ``options``:
    linear_before_reset, and the activations f (g, h) as layer makers (:func:`_factories`)."""

    def __init__(self, g, op: str, weights: tuple[np.ndarray | None, np.ndarray], options: tuple[bool, list],
                 base: str, name: str):
        (b, r), (before_reset, roles) = weights, options
        self.act_f, self.act_g, self.act_h = (roles + [_FUNCTIONS["tanh"]] * 3)[:3]
        self.g, self.op, self.hidden, self.base, self.name = g, op, r.shape[-1], base, name
        n, apart = 2 * self.hidden, op == "GRU" and before_reset
        self.input_bias = self.candidate_rb = None
        if b is not None:
            wb, rb = b[:len(b) // 2], b[len(b) // 2:]
            self.input_bias = wb + (np.concatenate([rb[:n], np.zeros(self.hidden)]) if apart else rb)
            self.candidate_rb = np.array(rb[n:]) if apart else None
        if self.candidate_rb is not None:
            self.candidate_rb.setflags(write=False)  # one array object in every step's Affine: counted once
        if op == "GRU" and not before_reset:
            self.recurrent, self.candidate = Dense(r[:n]), Dense(r[n:])
        else:
            self.recurrent, self.candidate = Dense(r), None

    def _add(self, layer, reads: list[str], tag: str) -> str:
        if isinstance(layer, tuple):  # an activation of two layers (HardSigmoid's affine, then its clip)
            reads, layer = [self._add(layer[0], reads, f"{tag}~")], layer[1]
        out = f"{self.base}#{tag}"
        self.g.append(layer, reads, out, self.name)
        return out

    def _plus(self, a: str, b, tag: str) -> str:
        """a + b, b a tensor, a constant (an Affine shift) or None (nothing)"""
        if b is None:
            return a
        return self._add(Affine(shift=b) if isinstance(b, np.ndarray) else Elementwise("add"),
                         [a] if isinstance(b, np.ndarray) else [a, b], tag)

    def _times(self, a: str, b, tag: str) -> str:
        """a b, b a tensor or a constant (an Affine scale)"""
        if isinstance(b, np.ndarray):
            return self._add(Affine(scale=b), [a], tag)
        return self._add(Elementwise("mul"), [a, b], tag)

    def _gate(self, source, k: int, tag: str):
        """gate k (hidden values) of ``source``'s last axis (a tensor, a constant or None)"""
        if source is None or isinstance(source, np.ndarray):
            return None if source is None else source[..., k * self.hidden:(k + 1) * self.hidden]
        return self._add(Slice(-1, k * self.hidden, (k + 1) * self.hidden), [source], tag)

    def _read(self, layer: Dense, h, tag: str):
        """R h: None where h is zero, a constant where h is one (computed here), else a Dense layer's output"""
        if h is None or not isinstance(h, np.ndarray):
            return None if h is None else self._add(layer, [h], tag)
        return h @ layer.weight.T

    def step(self, xt: str, h, c, tag: str) -> tuple[str, str | None]:
        """one step from the state (h, c): tensors, constants (the initial state) or None (zero)"""
        s = self._read(self.recurrent, h, f"{tag}r")
        if self.op == "GRU":
            return self._gru(xt, h, s, tag), None
        gates = self._plus(xt, s, f"{tag}g")
        if self.op == "RNN":
            return self._add(self.act_f(), [gates], f"{tag}h"), None
        i, o, f = (self._add(self.act_f(), [self._gate(gates, k, f"{tag}p{k}")], f"{tag}s{k}") for k in range(3))
        cand = self._add(self.act_g(), [self._gate(gates, 3, f"{tag}p3")], f"{tag}cand")
        new = self._add(Elementwise("mul"), [i, cand], f"{tag}ic")
        if c is not None:
            new = self._add(Elementwise("add"), [self._times(f, c, f"{tag}fc"), new], f"{tag}c")
        return self._add(Elementwise("mul"), [o, self._add(self.act_h(), [new], f"{tag}tc")], f"{tag}h"), new

    def _gru(self, xt: str, h, s, tag: str) -> str:
        """z = σ(x_z + s_z), r = σ(x_r + s_r), n = tanh(x_n + r (R_n h + Rb_n)) (linear_before_reset = 1) or
        tanh(x_n + R_n (r h)) (0), h' = n + z (h - n)"""
        z, r = (self._add(self.act_f(), [self._plus(self._gate(xt, k, f"{tag}x{k}"), self._gate(s, k, f"{tag}s{k}"),
                                                        f"{tag}a{k}")], f"{tag}z{k}") for k in range(2))
        if self.candidate is not None:  # R_n (r h); nothing while h = 0
            reset = None if h is None else self._add(self.candidate, [self._times(r, h, f"{tag}rh")], f"{tag}rn")
        elif s is None:  # h = 0: R_n h + Rb_n is Rb_n
            reset = None if self.candidate_rb is None else self._add(Affine(scale=self.candidate_rb), [r], f"{tag}rn")
        else:
            sn = self._gate(s, 2, f"{tag}s2")
            if self.candidate_rb is not None:  # R_n h + Rb_n
                sn = (sn + self.candidate_rb if isinstance(sn, np.ndarray)
                      else self._plus(sn, self.candidate_rb, f"{tag}sb"))
            reset = self._times(r, sn, f"{tag}rn")
        n = self._add(self.act_g(), [self._plus(self._gate(xt, 2, f"{tag}x2"), reset, f"{tag}na")], f"{tag}n")
        if h is None:  # h' = (1 - z) n
            return self._add(Elementwise("mul"), [self._add(Affine(-1.0, 1.0), [z], f"{tag}1z"), n], f"{tag}h")
        if isinstance(h, np.ndarray):  # h - n = -n + h0
            gap = self._add(Affine(-1.0, h), [n], f"{tag}hn")
        else:
            gap = self._add(Elementwise("sub"), [h, n], f"{tag}hn")
        return self._add(Elementwise("add"), [n, self._add(Elementwise("mul"), [z, gap], f"{tag}zg")], f"{tag}h")


def _reshaped(g, x: str, shape: tuple[int, ...], name: str) -> str:
    g.append(Reshape(shape), [x], f"{x}#shaped", name)
    return f"{x}#shaped"


def _outputs(g, outs: list[str], *parts, name: str) -> None:
    """Y, Y_h and Y_c: the directions' tensors joined along ``axis`` where the graph reads them"""
    for out, (tensors, axis) in zip(outs, parts):
        if not out or not tensors or tensors[0] is None:
            continue
        if axis == 0:  # a final state (1, batch, hidden) per direction
            tensors = [_reshaped(g, t, (1,) + g.shape[t][-2:], name) for t in tensors]
        if len(tensors) == 1:
            g.alias(out, tensors[0])
        else:
            g.append(Concat(axis), tensors, out, name)


RECURRENT_HANDLERS = {op: _recurrent for op in _GATES}
"""ONNX operator -> handler, for the recurrent operators"""
