"""Distinct torch tensors of equal values stay distinct matrices through from_torch (docs/networks.md: weight
sharing is one weight object, not equal values), the user's model left bit for bit as it was; and a network of
token ids is priced per token (docs/models.md). The torch tests need torch (CI installs it; elsewhere they skip)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cimsim.config import load_config
from cimsim.models import price_model
from cimsim.models.from_network import model_from_network
from cimsim.network import Concat, Dense, Elementwise, Embedding, JoinConstant, Network, Reshape, Slice
from extras import torch_or_skip

RNG = np.random.default_rng(83)
CONFIG = Path(__file__).parent.parent / "configs" / "default.toml"


def _imported(module, x: np.ndarray):
    """(network, its Model) of ``module`` imported on ``x``, its outputs checked against torch's within float32
    rounding (the import check's own tolerance is looser)"""
    torch = torch_or_skip()
    from cimsim.network import from_torch

    module = module.eval()
    net = from_torch(module, x)
    with torch.no_grad():
        want = module(torch.as_tensor(x)).double().numpy()
    assert np.abs(net.forward(x) - want).max() <= 1e-5 * np.abs(want).max()
    return net, model_from_network(net)


def _bits(module) -> dict:
    """each parameter and buffer of ``module`` as its bits (-0 apart from +0)"""
    torch = torch_or_skip()
    return {name: t.detach().clone().view(torch.int32) for name, t in module.state_dict().items()
            if t.dtype == torch.float32}


def test_a_fresh_transformer_encoder_keeps_each_layer_its_own_matrices():
    torch = torch_or_skip()
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=32, batch_first=True, dropout=0.0)
    encoder = torch.nn.TransformerEncoder(layer, num_layers=3, enable_nested_tensor=False)  # deep copies: equal values
    net, model = _imported(encoder, RNG.standard_normal((2, 5, 16)).astype(np.float32))
    assert len(net.matrix_layers()) == 3 * 4  # in-projection, out-projection and the two feed-forward matrices
    assert model.parameters == sum(p.numel() for p in encoder.parameters())  # no position table, no batch norm


def _copied_pair(torch):
    """two Linear layers of one weight's values (distinct tensors) and zero biases, and a third module applied twice"""

    class Copies(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.shared = (torch.nn.Linear(8, 8) for _ in range(3))
            with torch.no_grad():
                self.b.weight.copy_(self.a.weight)
                self.a.bias.zero_()
                self.b.bias.zero_().neg_()  # -0: equal to a's +0
                self.shared.weight.copy_(self.a.weight)

        def forward(self, x):
            return self.shared(torch.relu(self.shared(self.b(torch.relu(self.a(x))))))

    return Copies()


def test_copied_weights_are_two_matrices_and_a_reused_module_one():
    torch = torch_or_skip()
    torch.manual_seed(1)
    module = _copied_pair(torch)
    net, model = _imported(module, RNG.standard_normal((2, 8)).astype(np.float32))
    assert len(net.matrix_layers()) == 3  # a, b and shared (at two places: one matrix)
    assert sorted(i for i in net.matrix_indices() if i is not None) == [0, 1, 2, 2]
    assert model.parameters == sum(p.numel() for p in module.parameters())
    for layer, linear in zip(net.matrix_layers(), (module.a, module.b, module.shared)):  # exact: no ulp left
        assert np.array_equal(layer.weight, linear.weight.detach().double().numpy())
        assert np.array_equal(layer.bias, linear.bias.detach().double().numpy())


def test_from_torch_leaves_the_model_bit_for_bit():
    torch = torch_or_skip()
    from cimsim.network import from_torch

    torch.manual_seed(2)
    module = _copied_pair(torch).eval()
    before = _bits(module)
    from_torch(module, RNG.standard_normal((2, 8)).astype(np.float32))
    after = _bits(module)
    assert before.keys() == after.keys()
    assert all(torch.equal(before[name], after[name]) for name in before)


def _token_model(torch):
    class Tokens(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.table, self.head = torch.nn.Embedding(20, 8), torch.nn.Linear(8, 4)

        def forward(self, ids):
            return self.head(self.table(ids))

    return Tokens()


def test_a_network_of_token_ids_is_priced_per_token():
    torch = torch_or_skip()
    torch.manual_seed(3)
    net, model = _imported(_token_model(torch), RNG.integers(0, 20, (2, 6)))
    assert model.tokens_per_item == 6
    price = price_model(load_config(CONFIG), model)
    assert np.isclose(price.energy_per_token_pj(price.cim) * 6, price.energy_per_item_pj(price.cim))
    assert np.isclose(price.tokens_per_s(price.cim), 6 * price.cim.throughput_items_per_s)


def test_token_ids_read_after_a_reshape_count_and_other_inputs_are_one_item():
    table = RNG.standard_normal((10, 4))
    ids = Network((Reshape((6,)), Embedding(table), Dense(RNG.standard_normal((3, 4)))), (2, 3))
    assert model_from_network(ids).tokens_per_item == 6
    floats = Network((Dense(RNG.standard_normal((3, 4))),), (5, 4))
    assert model_from_network(floats).tokens_per_item == 1 and model_from_network(floats).item == "inference"
    # one token id (a decode step exported with its cache) is a token: per-token figures (it had none; an LLM probe)
    one = model_from_network(Network((Embedding(table), Dense(RNG.standard_normal((3, 4)))), (1,)))
    price = price_model(load_config(CONFIG), one)
    assert one.item == "token" and price.energy_per_token_pj(price.cim) == price.energy_per_item_pj(price.cim)
    assert price.as_dict()["tokens_per_item"] == 1


def test_token_ids_looked_up_apart_count_each_position_once():
    """two lookups of a pair's halves (ids[:, 0] and ids[:, 1], joined along the sequence) are all its 12 tokens,
    where the most ids one lookup read had been taken (6: energy a token 2x, a models probe); two tables reading the
    same ids are one token each"""
    table = RNG.standard_normal((10, 4))
    halves = Network((Slice(0, 0, 1), Slice(0, 1, 2), Embedding(table), Embedding(table), Concat(0),
                      Dense(RNG.standard_normal((3, 4)))), (2, 6), inputs=((0,), (0,), (1,), (2,), (3, 4), (5,)))
    assert model_from_network(halves).tokens_per_item == 12
    joined = Network((Slice(0, 0, 1), Slice(0, 1, 2), Concat(0), Embedding(table), Dense(RNG.standard_normal((3, 4)))),
                     (2, 6), inputs=((0,), (0,), (1, 2), (3,), (4,)))
    assert model_from_network(joined).tokens_per_item == 12  # ids joined before the lookup (a review: 1, no tokens)
    classed = Network((JoinConstant(0, np.array([7.0])), Embedding(table), Dense(RNG.standard_normal((3, 4)))), (6,))
    assert model_from_network(classed).tokens_per_item == 7  # a class id prepended: a token (a review: no tokens)
    same = Network((Embedding(table), Embedding(RNG.standard_normal((10, 4))), Elementwise(), Dense(
        RNG.standard_normal((3, 4)))), (6,), inputs=((0,), (0,), (1, 2), (3,)))
    assert model_from_network(same).tokens_per_item == 6


def test_a_pending_backward_pass_and_odd_tensors_survive_the_export():
    """the nudge and its restore had written into the parameters themselves: a loss computed before from_torch
    failed its backward pass (version 0 -> 2); a nudge that landed on a third tensor's values merged the two (2
    matrices for 3 weights); overlapping views of one storage kept the nudge in the other view's weights"""
    torch = torch_or_skip()
    from cimsim.network import from_torch

    torch.manual_seed(0)
    chain = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 8))
    chain[1].load_state_dict(chain[0].state_dict())
    loss, version = chain(torch.randn(3, 8)).square().sum(), chain[1].weight._version
    from_torch(chain.eval(), RNG.standard_normal((2, 8)))
    loss.backward()  # the versions the graph saved are still those of the tensors
    assert chain[1].weight._version == version and chain[1].weight.grad is not None

    class Three(torch.nn.Module):
        def __init__(self, shared=None):
            super().__init__()
            ones = torch.ones(4, 4)
            self.a, self.b, self.c = (torch.nn.Parameter(t) for t in (ones.clone(), ones.clone(), ones.clone()))
            self.c.data[2, 2] = torch.nextafter(torch.tensor(1.0), torch.tensor(2.0))  # where b's nudge would land

        def forward(self, x):
            return x @ self.a @ self.b @ self.c

    three = Three()
    net = from_torch(three, RNG.standard_normal((2, 4)))
    assert len(net.matrix_layers()) == 3
    assert np.array_equal(net.matrix_layers()[2].weight.T, three.c.detach().numpy())

    big = torch.ones(4, 5)
    views = Three()
    views.a, views.b = torch.nn.Parameter(big[:, :4]), torch.nn.Parameter(big[:, 1:])  # overlapping views
    net = from_torch(views, RNG.standard_normal((2, 4)))  # views are left to the exporter's merge: a and b are one
    for layer, param in zip(net.matrix_layers(), (views.a, views.c), strict=True):
        assert np.array_equal(layer.weight.T, param.detach().numpy())  # exact, no nudge left in a view


def _zero_norm_blocks(torch):
    """three residual conv + batch norm blocks whose norms' weights are 0 (timm's zero_init_last), and a fourth
    block applied twice"""

    class Blocks(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleList(torch.nn.Sequential(torch.nn.Conv2d(4, 4, 3, padding=1, bias=False),
                                                                  torch.nn.BatchNorm2d(4)) for _ in range(4))
            for block in self.blocks:
                torch.nn.init.zeros_(block[1].weight)

        def forward(self, x):
            for block in (*self.blocks, self.blocks[-1]):
                x = x + block(x)
            return x

    return Blocks()


def test_convolutions_of_zero_batch_norm_weights_and_slices_of_one_weight_stay_distinct():
    """the nudge of a zero weight was a subnormal that the batch norm's fold multiplied back to 0 (timm's resnet18:
    17 matrices for 21 convolutions), and a nudge in one element left the other slices of an attention's
    in_proj_weight (a decoder's cross-attention: query rows, key and value rows) equal to the layer before's"""
    torch = torch_or_skip()
    torch.manual_seed(4)
    blocks = _zero_norm_blocks(torch)
    net, model = _imported(blocks, RNG.standard_normal((2, 4, 6, 6)).astype(np.float32))
    assert len(net.matrix_layers()) == 4  # the fourth, applied twice, one matrix
    assert sorted(i for i in net.matrix_indices() if i is not None) == [0, 1, 2, 3, 3]
    assert all(np.abs(layer.weight).max() < 1e-30 for layer in net.matrix_layers())  # 0, or a nudge of 0

    layer = torch.nn.TransformerDecoderLayer(d_model=16, nhead=2, dim_feedforward=32, batch_first=True, dropout=0.0)
    decoder = torch.nn.TransformerDecoder(layer, num_layers=2)  # deep copies: equal values

    class Decoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.decoder = decoder

        def forward(self, x):
            return self.decoder(x, x)

    module = Decoder()
    net, model = _imported(module, RNG.standard_normal((2, 5, 16)).astype(np.float32))
    assert len(net.matrix_layers()) == 2 * 7  # self-attention's 2, cross-attention's 3 (query, key-value, out), 2
    assert model.parameters == sum(p.numel() for p in module.parameters())


def test_a_linear_applied_at_two_ranks_is_one_matrix():
    """torch exports a Linear applied to a 2-d input as a Gemm of W and to a 3-d one as a MatMul of W^T: two
    initializers of one weight had made two matrices"""
    torch = torch_or_skip()

    class TwoRanks(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(8, 8)

        def forward(self, x):
            return self.linear(x) + self.linear(x[:, 0])[:, None]

    torch.manual_seed(5)
    module = TwoRanks()
    net, model = _imported(module, RNG.standard_normal((2, 3, 8)).astype(np.float32))
    assert len(net.matrix_layers()) == 1
    assert np.array_equal(net.matrix_layers()[0].weight, module.linear.weight.detach().double().numpy())
    assert model.parameters == sum(p.numel() for p in module.parameters())


def test_the_classes_one_hot_compares_against_are_no_parameters():
    """F.one_hot's classes (0 .. depth - 1, and from the end) are an index grid the network computes against: they
    had counted as 2 x depth parameters"""
    torch = torch_or_skip()

    class OneHot(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(10, 4)

        def forward(self, ids):
            return self.linear(torch.nn.functional.one_hot(ids, 10).float())

    torch.manual_seed(6)
    module = OneHot()
    _, model = _imported(module, RNG.integers(0, 10, (2, 5)))
    assert model.parameters == sum(p.numel() for p in module.parameters())


def test_many_fresh_batch_norms_are_kept_apart_by_a_few_ulps_each():
    """the k-th of 200 equal (4,) tensors (a hundred fresh batch norms' weights and variances) had moved by about k
    ulps in every element (k // 4 in one, before): folded into their convolutions, a hundred such layers put the
    import 3e-4 of the output's scale off torch; now each element moves at most 4 ulps, by the digits of k"""
    torch = torch_or_skip()
    from cimsim.network._torch_distinct import distinct_values

    norms = torch.nn.ModuleList(torch.nn.BatchNorm1d(4) for _ in range(100)).eval()
    ones = [t for n in norms for t in (n.weight, n.running_var)]
    with distinct_values(torch, norms):
        moved = torch.stack([t.detach().clone() for t in ones])
    assert len({tuple(row.tolist()) for row in moved}) == 200  # every tensor its own
    assert float((moved - 1).abs().max()) <= 4 * torch.finfo(torch.float32).eps
    assert all(bool((t == 1).all()) for t in ones)  # restored

    torch.manual_seed(0)
    layers = []
    for _ in range(60):
        conv = torch.nn.Conv2d(4, 4, 1, bias=False)
        torch.nn.init.orthogonal_(conv.weight)
        layers += [conv, torch.nn.BatchNorm2d(4)]
    _imported(torch.nn.Sequential(*layers), RNG.standard_normal((1, 4, 2, 2)).astype(np.float32))


def test_a_norm_applied_at_several_places_counts_its_parameters_once():
    """each LayerNormalization (InstanceNormalization) node had made its own float64 copy of the shared scale and
    bias, counted at every use: 368 parameters for torch's 304"""
    torch = torch_or_skip()

    class Repeated(torch.nn.Module):
        def __init__(self, norm, linear):
            super().__init__()
            self.linear, self.norm = linear, norm

        def forward(self, x):
            for _ in range(3):
                x = self.norm(self.linear(x))
            return x

    for module, x in ((Repeated(torch.nn.LayerNorm(16), torch.nn.Linear(16, 16)), RNG.standard_normal((1, 5, 16))),
                      (Repeated(torch.nn.InstanceNorm2d(4, affine=True), torch.nn.Conv2d(4, 4, 1)),
                       RNG.standard_normal((1, 4, 5, 5)))):
        _, model = _imported(module, x.astype(np.float32))
        assert model.parameters == sum(p.numel() for p in module.parameters())


def _masked_attention(torch, layers: int, big: float):
    """``layers`` attention blocks each masking as GPT-1 and GPT-2 do, ``w * b - big * (1 - b)``, ``b`` a float
    causal mask buffer per block (equal values)"""

    class Masked(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = torch.nn.Linear(16, 48)
            self.register_buffer("bias", torch.tril(torch.ones(6, 6)))

        def forward(self, x):
            q, k, v = self.qkv(x).chunk(3, -1)
            w = q @ k.transpose(1, 2) / 4
            return x + (w * self.bias - big * (1 - self.bias)).softmax(-1) @ v

    return torch.nn.Sequential(*(Masked() for _ in range(layers)))


def test_a_mask_buffer_folded_into_a_constant_keeps_torchs_values():
    """the moves that keep equal tensors apart stayed in constants folded from them, amplified: GPT-2's mask
    ``1e4 * (1 - b)`` put 12 such layers 2.5e-4 of the output's scale off torch (3 layers: 5e-5), and with 1e10
    two layers were refused as torch's export computing something else"""
    torch = torch_or_skip()
    x = RNG.standard_normal((2, 6, 16)).astype(np.float32)
    for layers, big in ((3, 1e4), (2, 1e10)):
        torch.manual_seed(7)
        module = _masked_attention(torch, layers, big)
        net, model = _imported(module, x)
        assert len(net.matrix_layers()) == layers
        assert model.parameters == sum(p.numel() for p in module.parameters())


def test_copied_weights_at_two_ranks_are_two_matrices():
    """a Linear applied at rank 2 (torch's Gemm of W) and its copy at rank 3 (a MatMul of W^T): the Gemm read the
    copy's transpose once their values were restored, one matrix for two tensors"""
    torch = torch_or_skip()

    class TwoCopies(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = torch.nn.Linear(8, 8), torch.nn.Linear(8, 8)
            self.b.load_state_dict(self.a.state_dict())

        def forward(self, x):
            return self.b(x) + self.a(x[:, 0])[:, None]

    torch.manual_seed(8)
    module = TwoCopies()
    net, model = _imported(module, RNG.standard_normal((2, 3, 8)).astype(np.float32))
    assert len(net.matrix_layers()) == 2
    assert model.parameters == sum(p.numel() for p in module.parameters())
