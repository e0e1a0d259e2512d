"""Import of boolean-mask indexing by a constant mask (NonZero of a constant folds at import), the reason given for
operators whose output's shape depends on the data, and the way out for a graph exported with a batch of several."""

from __future__ import annotations

import os

import numpy as np
import pytest

from cimsim.network import from_torch, load_network

from extras import torch_or_skip

torch = torch_or_skip()
import onnx  # noqa: E402 -- with torch (torch_or_skip has checked it)


class _Masked(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 5)

    def forward(self, x):
        return self.linear(x[:, torch.tensor([True, False, True, True])])


class _NonZero(torch.nn.Module):
    def forward(self, x):
        return torch.nonzero(x > 0).float()


def test_indexing_by_a_constant_boolean_mask_imports_exactly():
    """NonZero of a Constant had been refused as an unsupported operator, with the whole operator list"""
    torch.manual_seed(0)
    model, x = _Masked(), torch.randn(2, 4, 3)
    with pytest.warns(UserWarning):  # torch's tracer: the mask is a constant of the trace
        network = from_torch(model, x)
    np.testing.assert_allclose(network.forward(x.numpy()), model(x).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_nonzero_of_an_activation_says_its_shape_depends_on_the_data():
    with pytest.raises(ValueError, match="NonZero of an activation is not supported: the shape of its output depends "
                                         "on the data") as refused:
        from_torch(_NonZero(), torch.randn(2, 4))
    assert "do the rest in torch" in str(refused.value)


def test_unique_of_an_activation_says_why(tmp_path):
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Unique", ["x"], ["y"], sorted=1)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "u.onnx")
    with pytest.raises(ValueError, match="unsupported ONNX operator 'Unique': the shape of its output depends on"):
        load_network(tmp_path / "u.onnx")


def _transposed(tmp_path, batch: int):
    """a graph of a fixed batch whose Transpose moves the batch axis (as a batch-first LSTM exported by dynamo)"""
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Transpose", ["x"], ["y"], perm=[1, 0, 2])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 6, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [6, batch, 5])])
    path = tmp_path / f"b{batch}.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_a_graph_exported_with_a_batch_of_several_is_told_to_export_one_sample(tmp_path):
    """a batch-first LSTM exported by dynamo at batch 2 transposes its batch axis: refused, now saying to export one
    sample (the same model exported with x[:1] imports)"""
    with pytest.raises(ValueError, match=r"exported with a batch of 2: export it again with one sample, e\.g\. "
                                         r"torch\.onnx\.export\(model, \(x\[:1\],\)"):
        load_network(_transposed(tmp_path, 2))
    assert load_network(_transposed(tmp_path, 1)).input_shape == (6, 5)  # exported with one sample: imports


@pytest.mark.parametrize("value, shape", [(3.0, [0, 1]), (0.0, [0, 0]), ([[0.0, 2.0], [1.0, 0.0]], [2, 2])])
def test_nonzero_of_a_constant_folds_to_rank_by_count(tmp_path, value, shape):
    """ONNX NonZero gives (rank, count) indices, a scalar's (0, 0 or 1) as ONNX's reference and torch do (the fold
    had failed on a scalar, reshaping numpy's 1-d view); the graph adds that shape to x"""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.array(value, np.float32))),
             helper.make_node("NonZero", ["c"], ["i"]), helper.make_node("Shape", ["i"], ["s"]),
             helper.make_node("Cast", ["s"], ["f"], to=TensorProto.FLOAT), helper.make_node("Add", ["x", "f"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "nz.onnx")
    x = np.array([[10.0, 20.0]])
    np.testing.assert_array_equal(load_network(tmp_path / "nz.onnx").forward(x), x + shape)


def test_indexing_by_a_2d_constant_mask_names_the_dynamo_way_out():
    """torch's TorchScript exporter writes a 2-d boolean mask's indexing as NonZero, Transpose and a Squeeze of an
    axis not of size 1, a graph onnxruntime refuses too; the refusal had not named the dynamo exporter, whose graph
    of the same model imports"""
    class Masked2d(torch.nn.Module):
        def forward(self, x):
            return x[:, torch.tensor([[True, False, True], [False, True, True]])]

    with pytest.raises(ValueError, match=r"cannot select an axis to squeeze out .*torch's other exporter may "
                                         r"translate it"):
        from_torch(Masked2d(), torch.randn(2, 2, 3))


def test_a_gather_past_its_axis_is_taken_for_an_inconsistent_export():
    """Mamba on transformers 5.25: torch's TorchScript export writes a Gather past its axis (onnxruntime refuses it
    too) and the refusal had not named the dynamo exporter, whose graph imports"""
    from cimsim.network.torch_import import MISFIT

    assert MISFIT.search("Gather indices [1] are outside [-1, 0], the positions of an axis of 1")
    assert not MISFIT.search("Gather indices are constant")


def test_an_unreadable_network_file_is_named_once_and_says_what_it_is(tmp_path):
    """a missing file had been 'cannot read as an ONNX model ([Errno 2] ...)', an .npz renamed .onnx gave protobuf's
    words alone, and a config's network_file named the path twice"""
    import cimsim
    from cimsim.errors import ConfigError
    np.savez(tmp_path / "net.npz", w=np.ones(3))
    (tmp_path / "net.npz").rename(tmp_path / "zipped.onnx")
    (tmp_path / "folder.onnx").mkdir()
    for name, said in (("missing.onnx", "no such file"), ("zipped.onnx", "it is a zip archive"),
                       ("folder.onnx", "a directory")):
        with pytest.raises(ValueError, match=said):
            load_network(tmp_path / name)
    with pytest.raises(ConfigError) as caught:
        cimsim.estimate({"workload": {"kind": "network", "network_file": str(tmp_path / "zipped.onnx")}})
    assert str(caught.value).count(str(tmp_path / "zipped.onnx")) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_an_onnx_model_read_from_a_named_pipe_loads(tmp_path):
    """a FIFO is no regular file, and had been called 'no such file' when the missing-file message came in"""
    import threading

    model = torch.nn.Linear(4, 3).eval()
    torch.onnx.export(model, (torch.randn(1, 4),), str(tmp_path / "m.onnx"), dynamo=False)
    import time

    os.mkfifo(tmp_path / "pipe.onnx")
    fd = os.open(tmp_path / "pipe.onnx", os.O_RDWR)  # a writer holding it (and its bytes) before the reader opens
    os.write(fd, (tmp_path / "m.onnx").read_bytes())  # a small model: within the pipe's buffer
    loaded = []
    reader = threading.Thread(target=lambda: loaded.append(load_network(tmp_path / "pipe.onnx")), daemon=True)
    reader.start()
    time.sleep(1.0)  # the reader opens and reads while the writer holds the pipe
    os.close(fd)  # then the end of the file
    reader.join(30)
    net = loaded[0]
    os.mkdir(tmp_path / "ext")  # a model whose weights are external data beside the pipe: loaded from its folder
    onnx.save(onnx.load(str(tmp_path / "m.onnx")), str(tmp_path / "ext" / "m.onnx"), save_as_external_data=True,
              all_tensors_to_one_file=True, location="m.data", size_threshold=0)
    os.mkfifo(tmp_path / "ext" / "pipe.onnx")
    fd = os.open(tmp_path / "ext" / "pipe.onnx", os.O_RDWR)
    os.write(fd, (tmp_path / "ext" / "m.onnx").read_bytes())
    reader = threading.Thread(target=lambda: loaded.append(load_network(tmp_path / "ext" / "pipe.onnx")), daemon=True)
    reader.start()
    time.sleep(1.0)
    os.close(fd)
    reader.join(30)
    np.testing.assert_allclose(loaded[1].forward(np.ones((1, 4))), net.forward(np.ones((1, 4))))
    assert net.forward(np.ones((1, 4))).shape == (1, 3)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_an_onnx_pipe_nothing_writes_to_and_a_device_are_refused(tmp_path):
    """a FIFO without a writer had blocked for ever, /dev/zero been read until memory ran out (5.4 GB, a probe)"""
    os.mkfifo(tmp_path / "pipe.onnx")
    with pytest.raises(ValueError, match=r"pipe.onnx: cannot read as an ONNX model \(.*nothing writes to"):
        load_network(tmp_path / "pipe.onnx")
    (tmp_path / "zero.onnx").symlink_to("/dev/zero")
    with pytest.raises(ValueError, match=r"zero.onnx: names a device or socket, not a regular file"):
        load_network(tmp_path / "zero.onnx")


@pytest.mark.parametrize("kind, elem, alias", [("int", "INT64", False), ("int", "UINT8", False),
                                              ("bool", "BOOL", False), ("int", "INT64", True)])
def test_an_integer_or_boolean_input_is_said_to_take_its_values_as_given(tmp_path, kind, elem, alias):
    """a model typed for uint8 pixels, Cast to float first: the Cast of an integer is no-op, so scaled samples (pixels
    / 16) had gone through without a word, 15.4 off what a runtime computes on the values it can take (a probe)"""
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((3, 4), dtype=np.float32), "W")
    nodes = [helper.make_node("Identity", ["x"], ["xi"])] * alias + [  # an alias of the input is named as the input
        helper.make_node("Cast", ["xi" if alias else "x"], ["xf"], to=TensorProto.FLOAT),
        helper.make_node("Gemm", ["xf", "W"], ["y"], transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", getattr(TensorProto, elem), ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], [weight])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    taken = "0 or 1" if kind == "bool" else "integers"
    with pytest.warns(UserWarning, match=rf"input 'x' is typed {kind} and cast to float: .* a runtime takes {taken} "
                                         "alone"):
        net = load_network(path)
    np.testing.assert_allclose(net.forward(np.array([[0.5, 1.0, 2.0, 0.25]])), [[3.75] * 3])  # as given
