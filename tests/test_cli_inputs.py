"""The command line's checks before any work: report folders named after configs, outputs that would overwrite an
input or name no file, scheduler addresses, a dataset's labels; and what the reports and plots then write."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cimsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"
SMALL = ("--set", "workload.vectors=40")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def refused(result, *fragments):
    """exit 2, one message holding every fragment, no traceback"""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    for fragment in fragments:
        assert fragment in result.output, result.output


def named(tmp_path, name, file="n.toml"):
    """a copy of the default config under another ``name``"""
    text = DEFAULT.read_text().replace('name = "default"', f"name = {name}", 1)
    assert text != DEFAULT.read_text()
    path = tmp_path / file
    path.write_text(text)
    return path


@pytest.fixture
def no_run(monkeypatch):
    """fails a test whose command starts simulating"""
    import cimsim.api  # noqa: F401  (imported first: its own name for compare stays the real one after the test)
    import cimsim.comparison
    import cimsim.trials

    monkeypatch.setattr(cimsim.comparison, "compare", lambda *a, **k: pytest.fail("the run started"))
    monkeypatch.setattr(cimsim.trials, "run_trials", lambda *a, **k: pytest.fail("the run started"))


@pytest.mark.parametrize("name, why", [
    ('"../escaped"', "path separator"), ('"/tmp/abs"', "path separator"), ('"."', "names a folder itself"),
    ('".."', "names a folder itself"), ('"./b"', "path separator"),
    ('" b"', "starts or ends with a space"), (f'"{"x" * 300}"', "300 characters long"),
    ('"energy_breakdown.png"', "the name of a file compare writes"), ('"Report.MD"', "the name of a file"),
    ('".cimsim-outputs.json"', "the name of a file compare writes")])
def test_compare_refuses_a_name_that_is_no_single_folder_before_any_run(tmp_path, no_run, name, why):
    """a config's name is its report folder: '../escaped' had written outside -o, '.' over the combined report,
    300 characters failed with Errno 36 after the run, 'energy_breakdown.png' clashed with a plot"""
    path = named(tmp_path, name)
    refused(invoke("compare", DEFAULT, path, "-o", tmp_path / "out"), str(path), "cannot name its report folder", why)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.toml"]


def test_compare_refuses_names_that_give_one_folder(tmp_path, no_run):
    first, second = named(tmp_path, '"b"', "b1.toml"), named(tmp_path, '"B"', "b2.toml")
    refused(invoke("compare", first, second, "-o", tmp_path / "out"), "one report folder", "'b' and 'B'")


def test_compare_checks_every_file_it_writes_before_any_run(tmp_path, no_run):
    """DIR/c a file (Errno 17) or DIR/report.md a folder had failed after the whole run"""
    out = tmp_path / "out"
    out.mkdir()
    (out / "c").write_text("a file where the folder of config c goes")
    refused(invoke("compare", DEFAULT, named(tmp_path, '"c"'), "-o", out), f"{out / 'c'} is a file")
    (out / "report.md").mkdir()
    refused(invoke("compare", DEFAULT, "-o", out), f"{out / 'report.md'} is a directory")
    dangling = tmp_path / "link"  # a link to a missing folder had been called a file (a probe)
    dangling.symlink_to(tmp_path / "missing")
    refused(invoke("compare", DEFAULT, "-o", dangling), f"{dangling} links to {tmp_path / 'missing'}, which does not "
                                                        "exist: make that folder, or give another path")


def test_a_plot_that_cannot_be_written_leaves_no_temporary_file(tmp_path):
    """the plots' temporary file had been left behind when the rename failed (Errno 21)"""
    import cimsim
    from cimsim.plots import write_breakdown_plots

    comp = cimsim.compare(DEFAULT, {"workload.vectors": 16})
    (tmp_path / "energy_breakdown.png").mkdir()
    with pytest.raises(IsADirectoryError):
        write_breakdown_plots([("a", comp.cim)], tmp_path, "vector")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["energy_breakdown.png"]


def test_compare_escapes_a_pipe_in_a_name_in_its_tables(tmp_path):
    result = invoke("compare", DEFAULT, named(tmp_path, '"a|b"'), *SMALL)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "n.toml`" in line)
    assert row.startswith("| a\\|b (`") and row.replace("\\|", "").count("|") == 12


@pytest.mark.parametrize("command", ["run", "estimate"])
def test_an_output_naming_the_config_or_its_data_is_refused(tmp_path, no_run, command):
    config = tmp_path / "c.toml"
    config.write_text(DEFAULT.read_text())
    weights = tmp_path / "w.npy"
    np.save(weights, np.ones((256, 256)))
    before = config.read_text()
    refused(invoke(command, config, "-o", tmp_path / "." / "c.toml"), f"is the config {config}")
    with_file = ("--set", 'workload.weights="file"', "--set", f'workload.weights_file="{weights}"')
    refused(invoke(command, config, *with_file, "-o", weights), "is workload.weights_file of")
    assert config.read_text() == before and np.load(weights).shape == (256, 256)


def test_outputs_naming_an_input_or_each_other_are_refused(tmp_path):
    """pareto, macros, price-model and sweep had overwritten their own inputs"""
    results = tmp_path / "r.csv"
    results.write_text("point_id,a,status\nx,1,ok\n")
    refused(invoke("pareto", results, "--x", "a", "--y", "a", "-o", results.with_suffix(".csv")),
            f"is the results {results}")
    macros = tmp_path / "m.toml"
    macros.write_text("not read")
    refused(invoke("macros", macros, "-o", macros), f"is the macro file {macros}")
    refused(invoke("macros", "-o", tmp_path / "same.md", "--csv", tmp_path / "same.md"),
            f"--csv {tmp_path / 'same.md'} is -o")
    refused(invoke("price-model", "resnet18", "--config", DEFAULT, "-o", DEFAULT), f"is --config {DEFAULT}")
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{DEFAULT}"\n[axes]\n"adc.bits" = [4, 6]\n')
    refused(invoke("sweep", spec, "-o", spec), f"is the spec {spec}")
    refused(invoke("sweep", spec, "-o", DEFAULT), f"is its base config {DEFAULT}")
    assert macros.read_text() == "not read" and not (tmp_path / "same.md").exists()


@pytest.mark.parametrize("args", [("run", DEFAULT), ("compare", DEFAULT), ("sweep", DEFAULT), ("estimate", DEFAULT),
                                  ("macros",), ("price-model", "resnet18")])
def test_an_empty_output_is_refused(tmp_path, no_run, args):
    """'-o ""' had written nothing with exit 0 (run, compare) or failed with a PosixPath message (sweep)"""
    refused(invoke(*args, "-o", ""), "an empty path names no file")


@pytest.mark.parametrize("args", [("run", DEFAULT), ("sweep", DEFAULT), ("estimate", DEFAULT), ("macros",),
                                  ("price-model", "resnet18"), ("pareto", DEFAULT, "--x", "a", "--y", "b")])
def test_an_output_file_ending_in_a_slash_is_refused(tmp_path, no_run, args):
    """'-o out/' had made a plain file named out; '-o out/.' had run the whole command, then failed (a review)"""
    for given in (f"{tmp_path / 'out'}/", f"{tmp_path / 'out'}/."):
        refused(invoke(*args, "-o", given), f"{given} names a directory")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("address", ["bogus", "bogus:99999", "http://host:8786", "tcp://", "tcp://host:port", ""])
def test_a_malformed_scheduler_address_is_refused_before_any_work(no_run, address):
    """'--scheduler bogus' had been ignored silently when the samples fit one chunk"""
    config = ROOT / "configs" / "digits-mlp.toml"
    refused(invoke("run", config, "--scheduler", address), "is not a Dask scheduler address")
    refused(invoke("sweep", DEFAULT, "-o", "r.csv", "--scheduler", address), "is not a Dask scheduler address")


def mlp(tmp_path, name="digits-mlp", file="mlp.toml"):
    """a copy of configs/digits-mlp.toml (its network named by an absolute path) under another ``name``"""
    text = (ROOT / "configs" / "digits-mlp.toml").read_text()
    text = text.replace('"../src/cimsim/data/', f'"{ROOT}/src/cimsim/data/').replace('name = "digits-mlp"',
                                                                                    f'name = "{name}"', 1)
    path = tmp_path / file
    path.write_text(text)
    return path


def test_an_unused_scheduler_is_said_once(tmp_path):
    options = ("--set", "workload.vectors=20", "--scheduler", "tcp://10.0.0.5:8786")
    note = "--scheduler tcp://10.0.0.5:8786 is not used: the 20 samples make one chunk"
    result = invoke("compare", mlp(tmp_path), mlp(tmp_path, "other", "other.toml"), *options)
    assert result.exit_code == 0, result.output
    assert result.stderr.count(note) == 1
    both = invoke("run", mlp(tmp_path), *options, "--workers", "2")  # refused, as sweep refuses them
    assert both.exit_code == 2 and "--workers sets local processes; a Dask cluster (--scheduler)" in both.output


def test_run_refuses_labels_out_of_range_as_validate_does(tmp_path):
    """run had failed with exit 1 and no field named; validate named it with exit 2 (the dataset's labels are
    checked as it is loaded, before any simulation); the dataset file holds them, so it is named (not the network's)"""
    data = tmp_path / "d.npz"
    np.savez(data, x=np.zeros((10, 64)), y=np.arange(100, 110))
    config = mlp(tmp_path)
    settings = ("--set", 'workload.dataset="file"', "--set", f'workload.dataset_file="{data}"', "--set",
                "workload.vectors=10")
    for command in ("validate", "run", "compare"):
        refused(invoke(command, config, *settings), f"{config}: 'workload.dataset_file': the labels of "
                "'workload.dataset_file' must be class numbers in [0, 10)")


@pytest.mark.parametrize("field", ["weights", "inputs"])
def test_a_npy_workload_file_beyond_float64_is_named_as_such(tmp_path, field):
    """a longdouble 1e400 in weights_file or inputs_file had read "NaN or infinite values", after numpy's raw overflow
    warning, where the dataset file's had been fixed (a review)"""
    if np.isinf(np.longdouble("1e400")):
        pytest.skip("this platform's longdouble is float64: it holds no value beyond float64's range")
    shape = (8, 16) if field == "weights" else (10, 16)
    values = np.ones(shape, dtype=np.longdouble)
    values[2, 3] = np.longdouble("1e400")
    np.save(path := tmp_path / f"{field}.npy", values)
    result = invoke("validate", ROOT / "configs" / "default.toml", "--set", f'workload.{field}="file"', "--set",
                    f'workload.{field}_file="{path}"', "--set", "workload.in_features=16", "--set",
                    "workload.out_features=8", "--set", "workload.vectors=10")
    refused(result, f"'workload.{field}_file': '{path}' holds values beyond float64's range")
    assert "overflow" not in result.output


@pytest.mark.parametrize("name, hint", [("net.onnx", "an ONNX network, where data is expected? give it as a network"),
                                        ("net.bin", "an ONNX model? give it the .onnx suffix")])
def test_an_onnx_file_given_as_data_is_named_as_a_network(tmp_path, name, hint):
    """an ONNX model given as the dataset had been told to take the .onnx suffix it had (a network-files probe)"""
    data = tmp_path / name
    data.write_bytes(b"\x08\x08\x12\x07pytorch:\x00")  # an ONNX ModelProto's first fields
    refused(invoke("validate", mlp(tmp_path), "--set", 'workload.dataset="file"', "--set",
                   f'workload.dataset_file="{data}"'), hint)


def test_a_datasets_values_beyond_float64_are_named_as_such_in_its_field(tmp_path):
    """a longdouble x of 1e400 (finite) had been refused as the network file's "NaN or infinite values", after a
    raw numpy overflow warning (a network-files probe)"""
    if np.isinf(np.longdouble("1e400")):
        pytest.skip("this platform's longdouble is float64: it holds no value beyond float64's range")
    data = tmp_path / "d.npz"
    x = np.zeros((4, 64), dtype=np.longdouble)
    x[1, 3] = np.longdouble("1e400")
    np.savez(data, x=x, y=np.arange(4))
    settings = ("--set", 'workload.dataset="file"', "--set", f'workload.dataset_file="{data}"', "--set",
                "workload.vectors=4")
    result = invoke("validate", mlp(tmp_path), *settings)
    refused(result, "'workload.dataset_file': 'x' in",
            "holds values beyond float64's range (finite, but the largest is about 1e400")
    assert "overflow" not in result.output


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_pareto_writes_the_format_its_suffix_names(tmp_path, suffix, magic):
    results = tmp_path / "r.csv"
    results.write_text("point_id,a,b,status\nx,1,2,ok\ny,2,1,ok\n")
    result = invoke("pareto", results, "--x", "a", "--y", "b", "-o", tmp_path / f"p{suffix}")
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"p{suffix}").read_bytes().startswith(magic)


@pytest.mark.parametrize("name", ["p.jpg", "p.xyz", "p"])
def test_pareto_refuses_a_suffix_it_cannot_write(tmp_path, name):
    """'-o p.pdf' had written PNG data"""
    results = tmp_path / "r.csv"
    results.write_text("point_id,a,b,status\nx,1,2,ok\n")
    refused(invoke("pareto", results, "--x", "a", "--y", "b", "-o", tmp_path / name), "a plot is written as .png")
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("address", ["tls://127.0.0.1:8786", "wss://host:8786", "ucx://127.0.0.1:8786", "inproc://foo"])
def test_a_scheduler_scheme_a_client_cannot_use_is_refused_before_any_work(no_run, address):
    """tls://, ucx:// and inproc:// had passed the check and then failed as internal errors"""
    scheme = address.partition("://")[0]
    for args in (("run", ROOT / "configs" / "digits-mlp.toml"), ("sweep", DEFAULT, "-o", "r.csv")):
        refused(invoke(*args, "--scheduler", address), f"the {scheme}:// scheme is not supported",
                "give tcp://host:port, ws://host:port or a bare host:port")


def test_an_output_in_the_cimsim_package_is_refused(tmp_path, no_run, monkeypatch):
    """-o had overwritten the shipped digits dataset a network config reads, and the preset a config starts from
    (then every config naming a preset failed); nothing is written or made in the package here"""
    import cimsim.atomic
    import cimsim.cli_checks
    import cimsim.cli_guard
    from cimsim.network.datasets import digits_test_path

    for module in (cimsim.cli_guard, cimsim.cli_checks):
        monkeypatch.setattr(module, "check_writable", lambda *a, **k: None)
    monkeypatch.setattr(cimsim.atomic, "write_atomic", lambda *a, **k: pytest.fail("a file was written"))
    dataset, configs = digits_test_path(), ROOT / "configs"
    preset = dataset.parents[1] / "config" / "presets" / "rram-isaac-like.toml"
    refused(invoke("run", configs / "digits-mlp.toml", "-o", dataset), f"-o {dataset} is the digits dataset that "
            f"workload.dataset of {configs / 'digits-mlp.toml'} reads")
    for args in (("run", configs / "isaac-like.toml"), ("estimate", configs / "isaac-like.toml"),
                 ("price-model", "resnet18", "--config", configs / "isaac-like.toml")):
        refused(invoke(*args, "-o", preset), f"-o {preset} is in the cimsim package")
    refused(invoke("compare", configs / "isaac-like.toml", "-o", preset.parent), "is in the cimsim package")


@pytest.mark.parametrize("option, field", [("--seed", "simulation.seed"), ("--trials", "simulation.trials")])
def test_an_option_and_a_set_of_its_field_must_agree(no_run, option, field):
    """'--seed 5 --set simulation.seed=7' had used 5 silently; a --set the field refuses is refused as it is alone
    ('--seed 1 --set simulation.seed=1.0' had been taken as agreeing, the 1.0 replaced: a probe)"""
    refused(invoke("run", DEFAULT, option, "5", "--set", f"{field}=7"), f"{option} 5 and --set {field}=7 disagree")
    for value in ("true", "5.0"):
        refused(invoke("compare", DEFAULT, option, "5", "--set", f"{field}={value}"), f"'{field}' must be an integer")
    from cimsim.cli_settings import load_with_options

    given = {"seed": None, "trials": None, option[2:]: 5}
    config = load_with_options(str(DEFAULT), given["seed"], (f"{field}=5",), given["trials"])  # they agree
    assert getattr(config.simulation, field.partition(".")[2]) == 5
    table = f"simulation={{{field.partition('.')[2]}=5}}"  # the table form, agreeing: it had been "given twice"
    config = load_with_options(str(DEFAULT), given["seed"], (table,), given["trials"])
    assert getattr(config.simulation, field.partition(".")[2]) == 5
    refused(invoke("run", DEFAULT, option, "6", "--set", table), f"{option} 6 and --set simulation={{")


def test_a_field_set_twice_must_have_one_value(no_run):
    """'--set workload.vectors=8 --set workload.vectors=9' had used 9 silently"""
    twice = ("--set", "workload.vectors=8", "--set", "workload.vectors=9")
    refused(invoke("run", DEFAULT, *twice), "--set workload.vectors=8 and --set workload.vectors=9 disagree; give one")
    refused(invoke("validate", DEFAULT, "--set", "adc.type=sar", "--set", 'adc.type="flash"'),  # as typed, no reprs
            '--set adc.type=sar and --set adc.type="flash" disagree; give one')
    refused(invoke("compare", DEFAULT, "--set", "adc.bits=1", "--set", "adc.bits=true"), "disagree")
    from cimsim.cli_settings import load_with_options

    config = load_with_options(str(DEFAULT), None, ("workload.vectors=8", " workload.vectors = 8"), None)  # agree
    assert config.workload.vectors == 8
    # a float field's 1 and 1.0 are one value (they had been refused as disagreeing); an int field's 8 and 8.0 not
    config = load_with_options(str(DEFAULT), None, ("technology.vdd_v=1", "technology.vdd_v=1.0"), None)
    assert config.technology.vdd_v == 1.0
    refused(invoke("run", DEFAULT, "--set", "adc.bits=8", "--set", "adc.bits=8.0"), "disagree")
    refused(invoke("run", DEFAULT, "--set", "technology.vdd_v=1", "--set", "technology.vdd_v=true"), "disagree")


@pytest.mark.parametrize("item", ["adc.bits=6\nx=1", "adc.bits=6\r\nx=1", "name=a\x00b"])
def test_a_set_item_holding_a_control_character_is_refused(no_run, item):
    """'--set $'adc.bits=6\\nx=1'' had set adc.bits and dropped the rest silently"""
    refused(invoke("run", DEFAULT, "--set", item), "holds a control character")


def test_pareto_reads_past_a_byte_order_mark_and_refuses_a_repeated_column(tmp_path):
    """a CSV saved by Excel (a BOM) had lost its first column; 'a,b,a' had used the last 'a' silently"""
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfpoint_id,a,b,status\nx,1,2,ok\ny,2,1,ok\n")
    result = invoke("pareto", bom, "--x", "a", "--y", "b")
    assert result.exit_code == 0 and "| point_id | a | b |" in result.output and "| x | 1 | 2 |" in result.output
    dup = tmp_path / "dup.csv"
    dup.write_text("a,b,a\n1,2,30\n2,1,0\n")
    refused(invoke("pareto", dup, "--x", "a", "--y", "b"), f"{dup}: the column 'a' is given 2 times in the header")


@pytest.mark.parametrize("text, x, why", [("a,b\n", "a", "has no rows (a header only)"),
                                          ("label,a,b\nx,1,2\n", "label", "no finished point has numbers")])
def test_pareto_of_a_table_without_points_is_bad_input(tmp_path, text, x, why):
    """a header only or a column of text had exited 1, 'the run failed'"""
    results = tmp_path / "r.csv"
    results.write_text(text)
    refused(invoke("pareto", results, "--x", x, "--y", "b"), f"{results}: ", why)


def test_a_dataset_without_x_names_the_arrays_it_holds(tmp_path):
    """the message had listed only the x and y it found: 'found []'"""
    data = tmp_path / "d.npz"
    np.savez(data, X=np.ones((5, 64)), Y=np.zeros(5, int))
    refused(invoke("validate", mlp(tmp_path), "--set", 'workload.dataset="file"', "--set",
                   f'workload.dataset_file="{data}"'), "must hold an array 'x'", "it holds ['X', 'Y']")


def test_price_model_refuses_samples_without_a_sample(tmp_path):
    """an x of shape (0, 64) had been priced silently as if no --samples were given"""
    samples = tmp_path / "s.npz"
    np.savez(samples, x=np.ones((0, 64)))
    refused(invoke("price-model", ROOT / "src" / "cimsim" / "data" / "digits_mlp.npz", "--samples", samples),
            f"--samples {samples}: 'x' holds no sample (shape (0, 64))")


PAST_FLOAT32 = ("--set", "array.rows=1024", "--set", "array.rows_per_read=1024", "--set", "array.cols=1024", "--set",
                "device.bits_per_cell=8", "--set", "mapping.signed_encoding=offset", "--set",
                "dac.signed_inputs=unsigned", "--set", "workload.in_features=1024")
"""1024 rows of 8-bit parallel inputs on 8-bit cells (a Mythic-like macro): column sums up to 1024 x 255 x 255 =
66 585 600, past the 2**24 float32 holds exactly"""


def _numbers(data):
    if isinstance(data, dict):
        return [n for v in data.values() for n in _numbers(v)]
    if isinstance(data, list):
        return [n for v in data for n in _numbers(v)]
    return [data] if isinstance(data, (int, float)) and not isinstance(data, bool) else []


def test_a_design_past_the_float32_limit_is_priced_but_not_simulated(tmp_path):
    """2**24 is the simulator's limit (exact float32 products), not the hardware's: estimate and price-model price
    the design from its shapes; validate and run, which simulate, refuse it naming the field"""
    out = tmp_path / "e.json"
    result = invoke("estimate", DEFAULT, *PAST_FLOAT32, "-o", out)
    assert result.exit_code == 0, result.output
    numbers = _numbers(json.loads(out.read_text()))
    assert numbers and all(math.isfinite(n) for n in numbers)
    config = tmp_path / "c.toml"
    config.write_text('preset = "rram-default"\n[array]\nrows = 1024\nrows_per_read = 1024\ncols = 1024\n'
                      '[device]\nbits_per_cell = 8\n[mapping]\nsigned_encoding = "offset"\n'
                      '[dac]\nsigned_inputs = "unsigned"\n')
    result = invoke("price-model", ROOT / "src" / "cimsim" / "data" / "digits_mlp.npz", "--config", config, "-o",
                    tmp_path / "p.json")
    assert result.exit_code == 0, result.output
    numbers = _numbers(json.loads((tmp_path / "p.json").read_text()))
    assert numbers and all(math.isfinite(n) for n in numbers)
    macro = tmp_path / "m.toml"  # a Mythic M1076 tile as a macro file states it
    macro.write_text('[[macro]]\nkey = "m"\ntitle = "t"\nsource = "s"\nread_via = "r"\nfamily = "fefet"\n'
                     'node_nm = 40\nvdd_v = 0.9\nrows = 1024\ncols = 1024\ncols_per_adc = 1\ninput_bits = 8\n'
                     'weight_bits = 8\nbits_per_cell = 8\nadc_bits = 8\n[[macro.point]]\nlabel = "p"\n'
                     'tops_per_w = 7.1\nsource = "s"\n')
    result = invoke("macros", macro)
    assert result.exit_code == 0 and "1 of 1 points usable" in result.output and "refuses" not in result.output
    for command in (("validate",), ("run", "-o", tmp_path / "r.json")):
        refused(invoke(command[0], DEFAULT, *PAST_FLOAT32, *command[1:]), "'array.rows_per_read'",
                "1024 x 255 x 255 = 66585600 must stay below 2**24", "not of the hardware")
    assert not (tmp_path / "r.json").exists()


def test_a_warning_raised_as_an_error_by_the_filters_is_said_as_one(tmp_path):
    """PYTHONWARNINGS=error (or -W error) turns a warning into an exception: the command stops with it and exit 1,
    not 'internal error ... please report it'"""
    import warnings

    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing yet\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = invoke("validate", empty)
    assert result.exit_code == 1 and "internal error" not in result.output
    assert "UserWarning: " in result.output and "(a warning raised as an error, as the warning filters ask" in \
        result.output


def test_validate_says_a_network_workload_asks_for_more_samples_than_its_dataset_holds(tmp_path):
    """run warns that workload.vectors asks for more samples than the dataset holds (all of them run); validate had
    said only "540 samples" (a dense layer's file with too few rows is refused by both; a bad-configs probe)"""
    result = invoke("validate", mlp(tmp_path), "--set", "workload.vectors=100000")
    assert result.exit_code == 0, result.output
    assert "540 samples; workload.vectors asks for 100000, the dataset holds 540: all of them run" in result.output
    assert "asks for" not in invoke("validate", mlp(tmp_path), "--set", "workload.vectors=540").output


def test_a_file_name_with_a_newline_or_tab_stays_one_line_a_problem_and_names_a_config(tmp_path):
    """a newline in a file's name had split its error over two 'error:' lines, the first naming another, valid file;
    a tab in a config's name had refused a 'name' the file never states (a probe)"""
    result = invoke("validate", str(tmp_path / "d.toml\n"))
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert result.exit_code == 2 and errors == [f"error: {tmp_path}/d.toml\\n: cannot read the config file: No such "
                                                "file or directory"], result.output
    tabbed = tmp_path / "a\tb.toml"
    tabbed.write_text('[workload]\nvectors = 4\n')
    result = invoke("validate", str(tabbed))
    assert result.exit_code == 0 and "valid (aU+0009b:" in result.output, result.output  # (no backslash: compare
    # makes a folder of the name)


def test_a_cjk_or_persian_file_name_names_its_config_as_given(tmp_path):
    """escaping a file name's every unprintable character had escaped an ideographic space and a joiner, which a
    name may hold, so compare -o refused the backslash (a review)"""
    names = ["設定\u3000一.toml", "نام\u200cها.toml"]
    for name in names:
        (tmp_path / name).write_text("[workload]\nvectors = 4\n")  # its name the file's
    result = invoke("compare", *(str(tmp_path / n) for n in names), "--set", "workload.vectors=4", "-o",
                    str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "out").iterdir() if p.is_dir()} >= {"設定\u3000一", "نام\u200cها"}


def test_price_model_samples_that_overflow_are_refused_as_the_dataset_route_refuses_them(tmp_path):
    """--samples near 1e308 had leaked four numpy overflow warnings and said 'NaN or infinite values', which the file
    does not hold; the dataset route says they overflow and to scale them down (a CLI probe)"""
    root = Path(__file__).resolve().parents[1]
    big = tmp_path / "big.npz"
    np.savez(big, x=np.full((4, 64), 1e308))
    result = invoke("price-model", str(root / "src" / "cimsim" / "data" / "digits_mlp.npz"), "--samples", str(big))
    assert result.exit_code == 2 and "warning" not in result.output, result.output
    assert ("overflow float64 for these samples (peak |x| 1e+308), not for them clipped to [-1, 1]; scale the inputs "
            "down") in " ".join(result.output.split())
