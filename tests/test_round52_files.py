"""Round 52, files: an .npz naming one member twice (a zip appended to with zipfile mode 'a', or 'x' beside
'x.npy') is refused, named, wherever cimsim reads one (numpy had read the last copy without a word: float accuracy
0.096 for 0.978); an 'architecture' integer past Python's 4300 digits gets cimsim's message, not Python's."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.network import load_network
from cimsim.npfiles import npz_names, read_npz

MLP = Path(__file__).resolve().parents[1] / "src" / "cimsim" / "data" / "digits_mlp.npz"


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _appended(path: Path, entry: str, array: np.ndarray) -> Path:
    """``path`` with a second zip entry ``entry`` added, as zipfile mode 'a' does (it never replaces one)"""
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(entry, _npy(array))
    return path


def _dataset(path: Path, *extra: str) -> Path:
    """a 5-sample dataset for the shipped MLP whose 'x' is stored again under each of ``extra``, as zeros"""
    x = np.random.default_rng(0).random((5, 64))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", _npy(x))
        archive.writestr("y.npy", _npy(np.arange(5)))
        for entry in extra:
            archive.writestr(entry, _npy(np.zeros_like(x)))
    return path


@pytest.mark.parametrize("extra, entries", [
    (("x.npy",), "'x.npy', 'x.npy'"),
    (("x",), "'x.npy', 'x'"),  # numpy lists both as 'x' and reads the raw 'x'
    (("x.npy", "x.npy"), "'x.npy', 'x.npy', 'x.npy'"),
])
def test_an_npz_member_given_twice_is_refused_named(tmp_path, extra, entries):
    path = _dataset(tmp_path / "d.npz", *extra)
    times = "twice" if len(extra) == 1 else "3 times"
    for read in (npz_names, read_npz, lambda p: read_npz(p, ("y",))):
        with pytest.raises(ValueError) as info:
            read(path)
        assert str(info.value) == (f"{str(path)!r} holds the member 'x' {times} (zip entries {entries}; numpy reads "
                                   "one only); save each array once with numpy.savez (zipfile mode 'a' adds a copy "
                                   "beside the old one)")


def test_a_network_with_a_weight_appended_again_is_refused(tmp_path):
    path = _appended(Path(shutil.copy(MLP, tmp_path / "net.npz")), "layer0.weight.npy", np.zeros((64, 32)))
    with pytest.raises(ValueError, match=r"net.npz' holds the member 'layer0.weight' twice \(zip entries "
                                         r"'layer0.weight.npy', 'layer0.weight.npy'"):
        load_network(path)


def test_every_command_refuses_a_dataset_or_network_with_a_member_twice(tmp_path):
    """run, validate and price-model --samples exit 2 naming the member (run had exited 0 on the zeroed copy)"""
    net = _appended(Path(shutil.copy(MLP, tmp_path / "net.npz")), "layer0.bias.npy", np.zeros(32))
    data = _dataset(tmp_path / "ds.npz", "x.npy")
    (tmp_path / "n.toml").write_text("preset = 'rram-default'\n[workload]\nkind = 'network'\n"
                                     "network_file = 'net.npz'\nvectors = 5\n")
    (tmp_path / "d.toml").write_text(f"preset = 'rram-default'\n[workload]\nkind = 'network'\nnetwork_file = "
                                     f"'{MLP.as_posix()}'\ndataset = 'file'\ndataset_file = 'ds.npz'\nvectors = 5\n")
    for args, member in ((["run", tmp_path / "n.toml", "-o", tmp_path / "n.json"], "layer0.bias"),
                         (["validate", tmp_path / "n.toml"], "layer0.bias"),
                         (["run", tmp_path / "d.toml", "-o", tmp_path / "d.json"], "x"),
                         (["price-model", MLP, "--samples", data], "x"),
                         (["price-model", net], "layer0.bias")):
        result = CliRunner().invoke(main, [str(a) for a in args])
        assert result.exit_code == 2, result.output
        assert f"holds the member '{member}' twice" in result.output
    assert not (tmp_path / "n.json").exists() and not (tmp_path / "d.json").exists()


def test_an_npz_with_each_member_once_still_reads(tmp_path):
    path = _dataset(tmp_path / "d.npz")
    assert npz_names(path) == ["x", "y"] and read_npz(path)["y"].tolist() == [0, 1, 2, 3, 4]


def _architecture(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "net.npz"
    np.savez(path, **dict(np.load(MLP), architecture=np.array(text)))
    return path


@pytest.mark.parametrize("number", ["1" + "0" * 5000, "-" + "7" * 5001])
def test_an_architecture_integer_past_pythons_limit_is_named(tmp_path, number):
    path = _architecture(tmp_path, '[{"kind": "dense"}, {"kind": "softmax", "axis": ' + number + '}, '
                                   '{"kind": "dense"}]')
    with pytest.raises(ValueError) as info:
        load_network(path)
    assert str(info.value) == (f"{path}: 'architecture' holds a number too long to be a layer parameter (5001 digits); "
                               "a size, axis or index has a few digits")
    result = CliRunner().invoke(main, ["price-model", str(path)])
    assert result.exit_code == 2 and "too long to be a layer parameter" in result.output
    assert "set_int_max_str_digits" not in result.output


def test_a_key_given_twice_keeps_its_own_message(tmp_path):
    path = _architecture(tmp_path, '[{"kind": "dense"}, {"kind": "softmax", "axis": 1, "axis": 1}, {"kind": "dense"}]')
    with pytest.raises(ValueError, match=r"'architecture' gives the key 'axis' twice in one object"):
        load_network(path)


def test_integers_of_up_to_30_digits_reach_the_layer_checks(tmp_path):
    """an integer of 30 digits is parsed, so the layer's own check names it; one of 31 (or 4000: it had been echoed
    whole in the layer's message) is refused as too long"""
    for digits, refused in ((30, False), (31, True), (4000, True)):
        path = _architecture(tmp_path, '[{"kind": "dense"}, {"kind": "softmax", "axis": 1' + "0" * (digits - 1)
                             + '}, {"kind": "dense"}]')
        with pytest.raises(ValueError) as info:
            load_network(path)
        assert ("too long to be a layer parameter" in str(info.value)) == refused, digits
        assert len(str(info.value)) < 400
