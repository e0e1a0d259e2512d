"""Bad input files refused clearly: .npz members nobody reads (never decompressed; a dataset's refused, named),
a member too large for memory named with its size, booleans where numbers are expected, a network .npz whose
architecture repeats a key or whose arrays no layer reads, a symbolic link loop, labels below 0."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.config import load_config, with_overrides
from cimsim.errors import ConfigError
from cimsim.network import Dense, Network, ReLU, load_dataset, load_network, save_network
from cimsim.npfiles import read_npy, read_npz
from cimsim.workload import input_blocks, load_weights

ROOT = Path(__file__).resolve().parents[1]
MLP = ROOT / "src" / "cimsim" / "data" / "digits_mlp.npz"
BOOL = r"holds booleans \(dtype bool\), not numbers; save them as numbers: a.astype\(np.float64\)"


def _mlp_config(**overrides):
    return with_overrides(load_config(ROOT / "configs" / "digits-mlp.toml"), {"workload.vectors": 8, **overrides})


def _dataset(path: Path, **arrays) -> dict:
    np.savez(path, **arrays)
    return {"workload.dataset": "file", "workload.dataset_file": str(path)}


@pytest.fixture
def loaded(monkeypatch) -> list[str]:
    """the names of the .npz members numpy decompresses from now on"""
    names, get = [], np.lib.npyio.NpzFile.__getitem__

    def recording(self, key):
        names.append(key)
        return get(self, key)

    monkeypatch.setattr(np.lib.npyio.NpzFile, "__getitem__", recording)
    return names


def test_a_dataset_member_no_one_reads_is_refused_named_and_never_decompressed(tmp_path, loaded):
    """a 1 MiB dataset with a gigabyte of zeros beside x and y had been decompressed whole (1.2 GB) and its extra
    member ignored: a labels array saved as 'labels' had been dropped without a word"""
    rng = np.random.default_rng(0)
    config = _mlp_config(**_dataset(tmp_path / "d.npz", x=rng.uniform(0, 1, (8, 64)), y=np.arange(8),
                                    labels=np.arange(8)))
    with pytest.raises(ConfigError, match=r"d.npz' holds \['labels'\] besides 'x' and 'y'") as info:
        load_dataset(config, (64,))
    assert info.value.fields == ["workload.dataset_file"] and loaded == []
    assert list(read_npz(tmp_path / "d.npz", ("x",))) == ["x"] and loaded == ["x"]


def test_network_extras_are_loaded_but_never_decompressed(tmp_path, loaded):
    net = Network((Dense(np.ones((4, 4))), ReLU(), Dense(np.ones((2, 4)))), input_shape=(4,))
    save_network(net, tmp_path / "n.npz", extras={"big": np.zeros((64, 64))})
    assert load_network(tmp_path / "n.npz").matrix_shapes()[1].out_features == 2
    assert "big" not in loaded and "layer0.weight" in loaded
    with pytest.raises(ValueError, match=r"extras names .* and layer\{k\}.\{field\} .* got 'layer7.weight'"):
        save_network(net, tmp_path / "m.npz", extras={"layer7.weight": np.ones(3)})


def test_a_member_too_large_for_memory_is_named_with_its_size_not_called_damaged(tmp_path, monkeypatch):
    """a MemoryError (under ulimit -v) had called the intact archive "damaged .npz archive" without the member"""
    np.savez(tmp_path / "d.npz", x=np.zeros((8, 64)), y=np.arange(8))

    get = np.lib.npyio.NpzFile.__getitem__

    def no_memory(self, key):
        if key == "x":
            raise MemoryError
        return get(self, key)

    monkeypatch.setattr(np.lib.npyio.NpzFile, "__getitem__", no_memory)
    with pytest.raises(ValueError, match=r"d.npz': its member 'x' holds 0.004\d* MiB uncompressed, more than this "
                                         r"machine's memory could load \(MemoryError\)"):
        read_npz(tmp_path / "d.npz")
    result = CliRunner().invoke(main, ["price-model", str(MLP), "--samples", str(tmp_path / "d.npz")])
    assert result.exit_code == 2 and "its member 'x' holds" in result.output and "damaged" not in result.output


def test_an_npy_too_large_for_memory_is_not_called_damaged(tmp_path, monkeypatch):
    np.save(tmp_path / "w.npy", np.ones(3))

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(np, "load", no_memory)
    with pytest.raises(ValueError, match=r"w.npy' is too large to load into this machine's memory \(MemoryError\)"):
        read_npy(tmp_path / "w.npy", mmap=False)


def test_boolean_arrays_are_refused_where_numbers_are_expected(tmp_path):
    """a bool weights_file, inputs_file, network weight, dataset x or --samples x had been read as 0 and 1 (results
    changed without a word), while a bool y was refused: one message everywhere"""
    mask = np.random.default_rng(1).uniform(0, 1, (16, 64)) > 0.5
    np.save(tmp_path / "b.npy", mask)
    dense = with_overrides(load_config(ROOT / "configs" / "default.toml"), {
        "workload.in_features": 64, "workload.out_features": 16, "workload.vectors": 16, "workload.weights": "file",
        "workload.weights_file": str(tmp_path / "b.npy"), "workload.inputs": "file",
        "workload.inputs_file": str(tmp_path / "b.npy")})
    for read, field in ((load_weights, "weights_file"), (lambda c: next(input_blocks(c)), "inputs_file")):
        with pytest.raises(ConfigError, match=f"'workload.{field}': '.*b.npy' {BOOL}"):
            read(dense)
    with np.load(MLP) as data:
        arrays = {name: data[name] for name in data.files}
    np.savez(tmp_path / "net.npz", **dict(arrays, **{"layer2.bias": np.ones(10, bool)}))
    with pytest.raises(ValueError, match=f"net.npz: 'layer2.bias' {BOOL}"):
        load_network(tmp_path / "net.npz")
    for name in ("x", "y"):
        given = {"x": mask[:8], "y": np.arange(8)} if name == "x" else {"x": mask[:8] * 1.0, "y": np.ones(8, bool)}
        with pytest.raises(ConfigError, match=f"'{name}' in '.*d{name}.npz' {BOOL}"):
            load_dataset(_mlp_config(**_dataset(tmp_path / f"d{name}.npz", **given)), (64,))
    result = CliRunner().invoke(main, ["price-model", str(MLP), "--samples", str(tmp_path / "dx.npz")])
    assert result.exit_code == 2 and "'x' holds booleans (dtype bool), not numbers" in result.output


def _network_file(tmp_path: Path, architecture=None, **arrays) -> Path:
    with np.load(MLP) as data:
        saved = {name: data[name] for name in data.files}
    if architecture is not None:
        saved["architecture"] = np.array(architecture)
    np.savez(tmp_path / "bad.npz", **saved, **arrays)
    return tmp_path / "bad.npz"


@pytest.mark.parametrize("architecture, arrays, match", [
    ('[{"kind": "dense", "kind": "relu"}, {"kind": "relu"}, {"kind": "dense"}]', {},
     r"'architecture' gives the key 'kind' twice in one object"),
    (None, {"layer7.weight": np.ones((4, 4))}, r"no layer reads the array 'layer7.weight': there is no layer 7 "
                                               r"\(3 layers\)"),
    (None, {"layer1.weight": np.ones((4, 4))}, r"'layer1.weight': layer 1 \(relu\) reads no such array"),
    ('[{"kind": "dense"}, {"kind": "relu"}, {"kind": "dense", "shares": 0}]', {},
     r"'layer2.weight': layer 2 \(dense\) reads no such array"),
])
def test_a_network_file_part_no_layer_reads_is_refused_named(tmp_path, architecture, arrays, match):
    """a repeated key had kept the last (layer 0 became a ReLU, its arrays ignored: accuracy 0.00 %, exit 0); an
    array of no layer, or of a field another entry gives (weight_of over a stored weight), had been ignored or had
    won without a word"""
    with pytest.raises(ValueError, match=match):
        load_network(_network_file(tmp_path, architecture, **arrays))


def test_a_stored_weight_under_weight_of_is_refused_not_read(tmp_path):
    """layer 2's own stored weight had replaced the matrix its 'weight_of' names, without a word"""
    net = Network((Dense(np.ones((4, 4))), ReLU(), Dense(np.ones((4, 4)))), input_shape=(4,))
    save_network(net, tmp_path / "n.npz")
    with np.load(tmp_path / "n.npz") as data:
        saved = {name: data[name] for name in data.files}
    architecture = json.loads(str(saved["architecture"]))
    architecture[2]["weight_of"] = 0
    np.savez(tmp_path / "bad.npz", **dict(saved, architecture=np.array(json.dumps(architecture))))
    with pytest.raises(ValueError, match=r"no layer reads the array 'layer2.weight': layer 2 \(dense\) reads no"):
        load_network(tmp_path / "bad.npz")


def test_a_symbolic_link_loop_is_named_as_one(tmp_path):
    """a link loop given as weights_file had been reported as 'names no existing file'"""
    (tmp_path / "a.npy").symlink_to(tmp_path / "b.npy")
    (tmp_path / "b.npy").symlink_to(tmp_path / "a.npy")
    (tmp_path / "c.npy").symlink_to(tmp_path / "none.npy")
    config = load_config(ROOT / "configs" / "default.toml")
    for name, what in (("a", "a symbolic link loop"), ("c", r"a symbolic link to a missing file \(.*none.npy\)")):
        with pytest.raises(ConfigError, match=f"'workload.weights_file' names {what}.*, not a regular file"):
            with_overrides(config, {"workload.weights": "file", "workload.weights_file": str(tmp_path / f"{name}.npy")})


def test_negative_labels_name_the_dataset_file(tmp_path):
    """labels -10 to -2 had been reported under 'workload.network_file' (checked against its outputs)"""
    config = _mlp_config(**_dataset(tmp_path / "d.npz", x=np.zeros((8, 64)), y=np.arange(-8, 0)))
    with pytest.raises(ConfigError, match=r"labels must be class numbers \(0 or more, below 2\*\*63\); got -8 to "
                                          r"-1") as info:
        load_dataset(config, (64,))
    assert info.value.fields == ["workload.dataset_file"]


@pytest.mark.parametrize("given, stored", [("6", "6"), ("true", "true"), ("2024-01-01", "2024-01-01"),
                                           ('"quoted x"', "quoted x"), ("nan", "nan")])
def test_a_text_field_set_on_the_command_line_takes_the_words_as_given(tmp_path, given, stored):
    """(--set name=6 had been read as the number 6 and refused as no string)"""
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["estimate", str(ROOT / "configs" / "default.toml"), "--set", f"name={given}",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["config"]["name"] == stored


def test_a_file_holding_more_rows_than_the_run_reads_is_said_so(tmp_path):
    """workload.vectors left out had run the default 1000 of an inputs file's 3000 rows (and of a dataset file's
    samples) without a word; inputs given in memory run whole, no note"""
    import cimsim
    from cimsim.run import result_notes

    np.save(tmp_path / "x.npy", np.random.default_rng(0).uniform(-1, 1, (1200, 8)))
    dense = {"name": "d", "workload": {"in_features": 8, "out_features": 4, "inputs": "file",
                                       "inputs_file": str(tmp_path / "x.npy")}}
    notes = result_notes(cimsim.simulate(dense).trials[0])
    assert (f"workload.vectors = 1000, its default, ran the first 1000 of the 1200 vectors in {tmp_path / 'x.npy'}"
            in " ".join(notes))
    for vectors in (1200, 300):  # all of them, or a subset set on purpose: no note
        dense["workload"]["vectors"] = vectors
        assert not any("ran the first" in n for n in result_notes(cimsim.simulate(dense).trials[0]))
    net = Network((Dense(np.ones((3, 8))),), (8,))
    np.savez(tmp_path / "d.npz", x=np.ones((1040, 8)), y=np.arange(1040) % 3)
    config = {"name": "n", "workload": {"kind": "network", "dataset": "file", "dataset_file": str(tmp_path / "d.npz")}}
    assert "workload.vectors = 1000, its default, ran the first 1000 of the 1040 samples" in " ".join(
        result_notes(cimsim.simulate(config, network=net).trials[0]))
    assert not any("ran the first" in n for n in result_notes(
        cimsim.simulate(config, network=net, inputs=np.ones((1040, 8))).trials[0]))


@pytest.mark.parametrize("given, field, stored", [("dac.input_max=.5", "input_max", 0.5),
                                                  ("dac.input_max=5.", "input_max", 5.0),
                                                  ("dac.input_bits=06", "input_bits", 6)])
def test_a_number_toml_does_not_write_so_is_read_as_one_for_a_numeric_field(tmp_path, given, field, stored):
    """(--set dac.input_max=.5 had reached the field as the words '.5' and been refused: "got '.5'")"""
    out = tmp_path / "r.json"
    fixed = ["--set", "dac.input_range=fixed"] + ([] if field == "input_max" else ["--set", "dac.input_max=1.0"])
    result = CliRunner().invoke(main, ["estimate", str(ROOT / "configs" / "default.toml"), "--set", given, *fixed,
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["config"]["dac"][field] == stored


def test_a_quoted_number_stays_text_as_in_a_file():
    """--set 'simulation.seed="7"' had run as seed 7, which a file's seed = "7" is refused for"""
    result = CliRunner().invoke(main, ["estimate", str(ROOT / "configs" / "default.toml"), "--set",
                                       'simulation.seed="7"'])
    assert result.exit_code == 2 and "simulation.seed" in result.output and 'got "7"' in result.output, result.output


def test_a_npy_file_of_other_bytes_than_its_header_declares_is_refused(tmp_path):
    """two arrays saved into one file had loaded as the first, unsaid; bytes appended too; an .npz member whose
    header belies its size is refused before it is decompressed (a probe's 2 GB member under a (64, 64) header)"""
    import io
    import zipfile

    from cimsim.npfiles import read_npy, read_npz

    w = np.arange(12.0).reshape(3, 4)
    with open(tmp_path / "twice.npy", "wb") as file:
        np.save(file, w)
        np.save(file, 2 * w)
    with pytest.raises(ValueError, match=r"twice.npy' holds 448 bytes where its header declares 224 \(an array of "
                                         r"shape \(3, 4\), float64\): two arrays saved into one file"):
        read_npy(tmp_path / "twice.npy")
    np.save(tmp_path / "fortran.npy", np.asfortranarray(w.astype(">f4")))  # other layouts load as before
    assert np.array_equal(read_npy(tmp_path / "fortran.npy"), w)
    member = io.BytesIO()
    np.save(member, w)
    with zipfile.ZipFile(tmp_path / "lie.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.npy", member.getvalue() + bytes(10_000))
    with pytest.raises(ValueError, match=r"lie.npz': its member 'a' holds 10224 bytes where its header declares 224"):
        read_npz(tmp_path / "lie.npz")
    with zipfile.ZipFile(tmp_path / "bare.npz", "w") as archive:  # a member named without .npy: numpy reads it too
        archive.writestr("x", member.getvalue() * 2)
    with pytest.raises(ValueError, match=r"bare.npz': its member 'x' holds 448 bytes where its header declares 224"):
        read_npz(tmp_path / "bare.npz")


def test_a_damaged_npz_member_is_named_not_an_internal_error(tmp_path):
    """a member whose local header is damaged had raised zipfile's BadZipFile from the size check (an internal error
    on the command line) where it had been named as damage"""
    import zipfile

    from cimsim.npfiles import read_npz

    np.savez(tmp_path / "d.npz", x=np.ones(4), y=np.zeros(3))
    raw = bytearray((tmp_path / "d.npz").read_bytes())
    offset = zipfile.ZipFile(tmp_path / "d.npz").getinfo("y.npy").header_offset
    raw[offset:offset + 4] = b"XXXX"
    (tmp_path / "bad.npz").write_bytes(raw)
    with pytest.raises(ValueError, match=r"bad.npz' is a damaged .npz archive \(BadZipFile"):
        read_npz(tmp_path / "bad.npz")
