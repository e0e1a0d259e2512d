"""The parameter count of an imported network (``model_from_network(...).parameters``): each stored array once, a
shared layer once, the same whatever the example's sequence length (models/from_network.py's module doc says what
counts). The torch tests need torch (CI installs it; elsewhere they skip, saying why)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from cimsim.models.from_network import model_from_network
from cimsim.network import Dense, Network
from cimsim.network.ops import ReLU
from extras import torch_or_skip


def _torch_count(module) -> int:
    """torch's count: each parameter tensor once"""
    return sum(p.numel() for p in module.parameters())


def test_a_matrix_layer_at_two_places_counts_its_weights_and_bias_once():
    rng = np.random.default_rng(0)
    layer = Dense(rng.normal(size=(16, 16)), rng.normal(size=16))
    model = model_from_network(Network((layer, ReLU(), layer), (16,)))
    assert model.parameters == layer.weight.size + layer.bias.size
    assert len([op for op in model.ops if op.name.endswith("/bias")]) == 2  # each place still adds it


def test_one_bias_array_added_by_two_matrices_counts_once():
    """one array is one parameter tensor wherever it is read, as torch counts a tied bias (from_torch keeps distinct
    tensors of equal values apart); a bias torch's exporter merged counts once on the ONNX route (docs/networks.md;
    counted per matrix for a review's probe, it had counted a tied bias twice: 144 for torch's 136)"""
    rng = np.random.default_rng(0)
    first = Dense(rng.normal(size=(8, 8)), np.zeros(8))
    second = replace(first, weight=rng.normal(size=(8, 8)))  # one bias array
    assert second.bias is first.bias
    assert model_from_network(Network((first, ReLU(), second), (8,))).parameters == 2 * 64 + 8


def test_a_shared_torch_linear_counts_as_torch_does():
    torch = torch_or_skip()
    from cimsim.network import from_torch

    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(16, 16)

        def forward(self, x):
            return self.linear(torch.relu(self.linear(x)))

    module = Twice().eval()
    assert model_from_network(from_torch(module, torch.randn(1, 16))).parameters == _torch_count(module)


def _encoder(torch):
    """a one-block BERT-like encoder of token ids: token and position tables, a causal mask, a scaled attention,
    GELU"""
    nn = torch.nn

    class Encoder(nn.Module):
        def __init__(self, width=16, vocab=30, longest=32):
            super().__init__()
            self.tokens, self.positions = nn.Embedding(vocab, width), nn.Embedding(longest, width)
            self.norm, self.out_norm = nn.LayerNorm(width), nn.LayerNorm(width)
            self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))

        def forward(self, ids):
            n = ids.shape[1]
            h = self.norm(self.tokens(ids) + self.positions(torch.arange(n)))
            q, k, v = self.qkv(h).chunk(3, dim=-1)
            scores = q @ k.transpose(1, 2) / q.shape[-1] ** 0.5
            scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
            h = h + self.proj(scores.softmax(-1) @ v)
            return self.out_norm(h + self.mlp(h))

    return Encoder().eval()


def test_a_transformers_count_is_the_same_at_every_sequence_length():
    """the position rows for the example's tokens, the mask and the scalars (the attention scale, GELU's) are no
    parameters; the position table, which the network does not keep, is the only difference from torch"""
    torch = torch_or_skip()
    from cimsim.network import from_torch

    torch.manual_seed(0)
    encoder = _encoder(torch)
    counts = {n: model_from_network(from_torch(encoder, torch.randint(0, 30, (1, n)))).parameters for n in (4, 12)}
    assert counts[4] == counts[12] == _torch_count(encoder) - encoder.positions.weight.numel()


def test_a_vision_transformer_counts_its_class_token():
    torch = torch_or_skip()
    from cimsim.network import from_torch
    nn = torch.nn

    class Patches(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed, self.norm, self.head = nn.Conv2d(3, 16, 4, 4), nn.LayerNorm(16), nn.Linear(16, 10)
            self.token, self.positions = nn.Parameter(torch.randn(1, 1, 16)), nn.Parameter(torch.randn(1, 5, 16))

        def forward(self, x):
            t = torch.cat([self.token.expand(len(x), -1, -1), self.embed(x).flatten(2).transpose(1, 2)], 1)
            return self.head(nn.functional.gelu(self.norm(t + self.positions))[:, 0])

    torch.manual_seed(0)
    vit = Patches().eval()
    model = model_from_network(from_torch(vit, torch.randn(1, 3, 8, 8)))
    assert model.parameters == _torch_count(vit) - vit.positions.numel()


def test_zeros_joined_on_are_padding_not_parameters():
    """a block of zeros joined onto an activation (the exporter's padding: MobileViT-v2 had 512 parameters more than
    torch's count) had counted as a DRAM table, as a class token does (probe, 2026-12-07)"""
    from cimsim.network import JoinConstant

    rng = np.random.default_rng(1)
    head = Dense(rng.normal(size=(3, 72)), rng.normal(size=3))
    for constant, extra in ((np.zeros(64), 0), (np.r_[np.zeros(63), 0.5], 64)):
        model = model_from_network(Network((JoinConstant(0, constant, before=False), head), (8,)))
        assert model.dram_parameters == extra and model.parameters == head.weight.size + head.bias.size + extra


def test_a_cnns_batch_norms_count_their_scale_and_shift():
    """a batch norm after a ReLU stays a scale and a shift per channel (2 C, as torch); one right after a conv is
    folded into it (C: the conv's new bias); a scalar (x / 2) is no parameter; the image size changes nothing"""
    torch = torch_or_skip()
    from cimsim.network import from_torch
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.folded, self.kept = nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.BatchNorm2d(8)
            self.last, self.head = nn.Conv2d(8, 4, 3), nn.Linear(4, 5)

        def forward(self, x):
            h = self.last(self.kept(torch.relu(self.folded(self.conv(x))))) / 2
            return self.head(h.mean((2, 3)))

    torch.manual_seed(0)
    net = Net().eval()
    for norm in (net.folded, net.kept):  # trained statistics, not the initial 0 and 1
        norm.running_mean.uniform_(-1, 1)
        norm.running_var.uniform_(0.5, 2)
    counts = {side: model_from_network(from_torch(net, torch.randn(1, 3, side, side))).parameters for side in (8, 12)}
    assert counts[8] == counts[12] == _torch_count(net) - net.folded.num_features


def test_an_embedding_looked_up_twice_counts_its_table_once():
    """the import gives each lookup its own copy of the table: it counts once, in DRAM"""
    torch = torch_or_skip()
    from cimsim.network import from_torch

    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.table, self.head = torch.nn.Embedding(30, 8), torch.nn.Linear(8, 5)

        def forward(self, ids):
            return self.head(self.table(ids) + self.table(ids.flip(1)))

    torch.manual_seed(0)
    module = Twice().eval()
    model = model_from_network(from_torch(module, torch.randint(0, 30, (1, 6))))
    assert (model.parameters, model.dram_parameters) == (_torch_count(module), module.table.weight.numel())


def test_masks_along_the_tokens_are_no_parameters_and_untrained_gains_are():
    """a mask the export computes from the example's shape (DeBERTa's ones per token, a padding mask's zeros for
    nn.MultiheadAttention) grows with the sequence and is not counted; a gain of ones (an untrained norm's) along
    the features is, even where the features are as many as the tokens"""
    torch = torch_or_skip()
    from cimsim.network import from_torch
    nn = torch.nn

    class Masked(nn.Module):
        def __init__(self, width=8):
            super().__init__()
            self.tokens, self.gain = nn.Embedding(30, width), nn.Parameter(torch.ones(width))
            self.attention = nn.MultiheadAttention(width, 2, batch_first=True)

        def forward(self, ids):
            h = self.tokens(ids) * torch.ones(ids.shape)[..., None] * self.gain  # a mask of ones, a gain of ones
            return self.attention(h, h, h, key_padding_mask=ids < 0, need_weights=False)[0]

    torch.manual_seed(0)
    module = Masked().eval()
    for n in (6, 8, 9):  # 8: as many tokens as features
        model = model_from_network(from_torch(module, torch.randint(0, 30, (1, n))))
        assert (model.parameters, model.dram_parameters) == (_torch_count(module), module.tokens.weight.numel())


def test_distinct_constants_of_equal_values_count_apart():
    """two distinct per-channel scales of one init (linspace), and a scale and a shift of equal values, are four
    parameters' worth, as torch counts them (counting equal contents once, tried for a loop's unrolled copies, had
    undercounted these and deep-copied blocks; a review, 2026-12-06)"""
    torch = torch_or_skip()
    from cimsim.network import from_torch
    nn = torch.nn

    class Scales(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(16, 16), nn.Linear(16, 4)
            self.s1, self.s2, self.h = (nn.Parameter(torch.linspace(0.5, 1.5, 16)) for _ in range(3))

        def forward(self, x):
            return self.b(torch.relu(self.a(x) * self.s1) * self.s2 + self.h)

    module = Scales().eval()
    assert model_from_network(from_torch(module, torch.randn(2, 16))).parameters == _torch_count(module)


def test_a_depthwise_convs_samples_are_priced_as_its_packed_block_reads_them(tmp_path):
    """`price-model FILE --samples` on 28 depthwise channels (one packed 252 x 28 block): each group's sampled
    inputs in its rows, its weights in the block-diagonal matrix, as `cimsim estimate` prices that matrix whole:
    the same energy, however the scratch planes were left (9-wide samples on the 252-row plan had read 243 stale
    columns: 7 924 pJ of array energy against 44 610, or a crash on NaN); a sample of another width is refused."""
    from pathlib import Path

    import pytest

    import cimsim
    from cimsim.api import as_config
    from cimsim.mapping import plan_layer
    from cimsim.models import price_model
    from cimsim.network import Conv2d, Flatten, save_network
    from cimsim.numerics.samples import plane_code_shares

    rng = np.random.default_rng(0)
    net = Network((Conv2d(rng.normal(size=(28, 1, 3, 3)), padding=1, groups=28), Flatten()), (28, 14, 14))
    x = rng.uniform(-1, 1, size=(8, 28, 14, 14))
    save_network(net, tmp_path / "dw.npz")
    np.savez(tmp_path / "x.npz", x=x, y=np.zeros(8, int))
    config = as_config(Path(__file__).resolve().parents[1] / "configs" / "default.toml", {
        "workload.kind": "network", "workload.network_file": str(tmp_path / "dw.npz"), "workload.dataset": "file",
        "workload.dataset_file": str(tmp_path / "x.npz"), "workload.vectors": 8})
    estimated, model = cimsim.estimate(config).cim.energy_pj, model_from_network(net, inputs=x)
    plan = plan_layer(config, 252, 28)
    for _ in range(2):  # the second after a measurement that leaves other values in the scratch planes
        priced = price_model(config, model, items=8).cim.energy_pj
        assert [priced[k] for k in ("dac", "array", "adc")] == pytest.approx(
            [estimated[k] for k in ("dac", "array", "adc")], rel=1e-9)
        plane_code_shares(plan, rng.uniform(-1, 1, (476, 252)), None)
    with pytest.raises(ValueError, match=r"in_features = 252; got shape \(476, 9\)"):
        plane_code_shares(plan, rng.uniform(-1, 1, (476, 9)), None)


def test_a_channel_constant_on_a_1x1_map_is_no_position_mask():
    """a batch norm's untrained zero shift on a (32, 1, 1) map had been taken for a mask of the 32 positions of a
    32 x 32 image (counted at 48 x 48, not at 32 x 32: a networks probe); a mask along a position axis still is one"""
    from cimsim.models.network_parameters import positional

    assert not positional(np.zeros((32, 1, 1)), (32, 1, 1), {32})
    assert not positional(np.ones((32, 1, 1)), (32, 8, 8), {32})
    assert positional(np.ones((1, 32, 1)), (16, 32, 32), {32})  # along the image's rows: the example's shape
