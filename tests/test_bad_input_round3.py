"""Bad input, third round: physical fields at values float64 cannot carry through the computation (a subnormal wire
resistance, capacitance, read voltage, full-scale fraction, drift time), .npz members and .npy headers that are not
numpy's, a sweep axis spelled 0 or 0.0, price-model's unbounded counts, pipes nothing writes to, random sweeps that
draw fewer points than samples, and a stdout closed by `| head`."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import pickle
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim.cli import main
from cimsim.cli_models import price_model_command
from cimsim.config import load_preset
from cimsim.config.rules import Float
from cimsim.config.schema import SECTIONS
from cimsim.errors import ConfigError
from cimsim.models import get_model, price_model
from cimsim.npfiles import read_npy, read_npz
from cimsim.numerics.irdrop import effective_conductance
from cimsim.sweep import expand, run_sweep, spec_from_dict
from report_values import report_numbers

ROOT = Path(__file__).resolve().parents[1]
CIMSIM = [sys.executable, "-m", "cimsim.cli"]
TINY = {"array": {"rows": 16, "cols": 16, "rows_per_read": 16},
        "workload": {"in_features": 16, "out_features": 4, "vectors": 8}}
NEEDS = {"adc.full_scale_fraction": {"adc.range": "fixed"}, "dac.input_max": {"dac.input_range": "fixed"},
         "array.cell_capacitance_ff": {"array.family": "charge"},
         "baseline.board_power_w": {"baseline.energy_model": "board_power"},
         "device.drift_t0_s": {"device.drift_nu": 0.05, "device.drift_time_s": 1e13,
                               "device.drift_compensation": "global"},
         "device.drift_time_s": {"device.drift_nu": 0.05, "device.drift_t0_s": 1e-9,
                                 "device.drift_compensation": "global"}}
"""the settings under which a field is read (and its extremes bite hardest: drift compensated, kT/C noise)"""
NOT_RUNNABLE = {"baseline.dram_gb", "simulation.memory_limit_gib"}
"""capacities whose tiny values refuse the run by name (a layer that does not fit, a simulation above the limit)"""


def _cli(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*CIMSIM, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kwargs)


def _extremes(rule: Float) -> list[float]:
    """the smallest and largest values a float field's rule accepts: its bounds, a subnormal above an open 0"""
    low = 5e-324 if rule.low in (None, 0.0) and rule.low_open else rule.low if rule.low is not None else -1.7e308
    high = rule.high if rule.high is not None else 1.7e308
    return [v for v in (low, 5e-324, high) if rule.accepts(v)]


FLOAT_FIELDS = [(f"{section}.{f.name}", f.metadata["rule"]) for section, cls in SECTIONS.items()
                for f in dataclasses.fields(cls) if isinstance(f.metadata["rule"], Float)
                and f"{section}.{f.name}" not in NOT_RUNNABLE]


@pytest.mark.parametrize("field, rule", FLOAT_FIELDS, ids=[name for name, _ in FLOAT_FIELDS])
def test_every_float_field_at_its_extremes_runs_to_finite_figures(field, rule):
    """each float field at the smallest and largest value it accepts (a subnormal where 0 is open or allowed)
    simulates and prices a small layer to finite figures, without a float64 overflow or 0 x inf on the way; a
    subnormal wire resistance had given NaN, a subnormal capacitance, read voltage or full-scale fraction a wrong
    finite error, a drift time ratio past float64 a NaN compensation"""
    for value in _extremes(rule):
        settings = {**NEEDS.get(field, {}), field: value}
        try:
            cimsim.as_config(TINY, settings)
        except ConfigError:  # a rule between fields refuses it (enob above the bits, t0 after the reads)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            warnings.filterwarnings("ignore", r".* of the input values the arrays read.* lie beyond 'dac.input_max'",
                                    RuntimeWarning)  # the API's clipping warning (input_max at 5e-324): expected
            warnings.filterwarnings("ignore", r".* (of the nonzero input values the arrays read quantise to code 0|"
                                    r"of the ADC conversions.* clip at the ends|carry no effective bit of the float "
                                    r"product)", RuntimeWarning)  # at the extremes
            figures = [cimsim.compare(TINY, settings).to_dict(), cimsim.estimate(TINY, settings).to_dict()]
        bad = [x for x in report_numbers(figures) if not math.isfinite(x)]
        assert not bad, f"{field} = {value!r}: {bad[:4]}"


@pytest.mark.parametrize("field, value", [("array.cell_capacitance_ff", 1e-310), ("device.read_voltage_v", 1e-160),
                                          ("adc.full_scale_fraction", 1e-310), ("device.drift_t0_s", 1e-300),
                                          ("device.drift_time_s", 1e300), ("device.read_pulse_ns", 5e-324)])
def test_values_no_device_has_are_refused_by_name(field, value):
    """below (or above) the physical range float64 carries through the computation: refused, the field named
    with its bounds, where they had run to a wrong figure"""
    with pytest.raises(ConfigError, match=rf"'{field}' must be a finite number (in \[|>= )"):
        cimsim.as_config(TINY, {**NEEDS.get(field, {}), field: value})


def test_a_wire_resistance_too_small_to_drop_anything_is_no_ir_drop():
    """an IR drop below float64's resolution returns G itself (a subnormal r had lost r G to underflow: 0 x inf =
    NaN); just above the bound the solve agrees with G to its own rounding (about 1e-13 here), so the shortcut
    changes nothing the solve could resolve"""
    rng = np.random.default_rng(1)
    g = rng.uniform(0.0, 100.0, (16, 24))
    for r in (5e-324, 1e-310, 1e-200):
        np.testing.assert_array_equal(effective_conductance(g, r), g)
    from cimsim.numerics.irdrop import NEGLIGIBLE_DROP

    r_bound = NEGLIGIBLE_DROP / (g.max() * 1e-6 * sum(g.shape) ** 2)
    solved = effective_conductance(g, 4 * r_bound)
    assert np.max(np.abs(solved - g) / g) < 1e-12
    assert 0.0 < np.max((g - effective_conductance(g, 1e3 * r_bound)) / g) < 1e3 * NEGLIGIBLE_DROP
    tiny = cimsim.simulate(TINY, {"array.wire_resistance_ohm": 5e-324}).to_dict()["accuracy"]
    none = cimsim.simulate(TINY, {"array.wire_resistance_ohm": 0.0}).to_dict()["accuracy"]
    assert tiny["relative_error"] == pytest.approx(none["relative_error"], rel=1e-6)


def _raw_member_npz(path: Path) -> Path:
    """an .npz whose x.npy member holds a bare pickle, not .npy data (numpy returns its bytes)"""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", pickle.dumps(np.ones((4, 64))))
        buffer = io.BytesIO()
        np.save(buffer, np.zeros(4, dtype=np.int64))
        archive.writestr("y.npy", buffer.getvalue())
    return path


def test_an_npz_member_that_is_not_npy_data_is_named(tmp_path):
    """read_npz refuses it naming the member; a config's dataset and price-model --samples say so, where each had
    failed with "internal error, AttributeError: 'bytes' object has no attribute 'dtype'\""""
    path = _raw_member_npz(tmp_path / "raw.npz")
    with pytest.raises(ValueError, match=r"raw.npz'?: its member 'x' is not .npy data \(it starts with b'\\x80"):
        read_npz(path)
    (tmp_path / "c.toml").write_text(
        f"[workload]\nkind = 'network'\nnetwork_file = '{(ROOT / 'src/cimsim/data/digits_mlp.npz').as_posix()}'\n"
        "dataset = 'file'\ndataset_file = 'raw.npz'\nvectors = 4\n")
    for args in (["validate", tmp_path / "c.toml"], ["estimate", tmp_path / "c.toml"],
                 ["price-model", ROOT / "src/cimsim/data/digits_mlp.npz", "--samples", path]):
        result = CliRunner().invoke(main, [str(a) for a in args])
        assert result.exit_code == 2 and "its member 'x' is not .npy data" in result.output, result.output
        assert "internal error" not in result.output


def test_an_npy_header_past_numpys_limit_is_said_to_be_one(tmp_path):
    """numpy refuses a header over 10 000 bytes with words naming allow_pickle: it is no pickled array"""
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 16), }"
    header += b" " * (20_000 - len(header)) + b"\n"
    path = tmp_path / "w.npy"
    path.write_bytes(b"\x93NUMPY\x02\x00" + len(header).to_bytes(4, "little") + header + np.ones(64).tobytes())
    for mmap in (True, False):
        with pytest.raises(ValueError, match=rf"has a .npy header of {len(header)} bytes, more than numpy") as exc:
            read_npy(path, mmap=mmap)
        assert "Python objects" not in str(exc.value)


def _spelled(tmp_path: Path, values: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(f'preset = "rram-default"\n[axes]\n"device.read_noise_sigma" = {values}\n')
    return path


def test_a_float_axis_spelled_0_or_0_0_is_one_point_and_resumes(tmp_path):
    """an int in a float field's axis is stored as the field stores it: the cell is '0.0' whichever the spec
    lists, so a sweep resumed with the other spelling keeps its rows (it had re-run the point, dropping its row)"""
    out = tmp_path / "r.csv"
    first = run_sweep(_spelled(tmp_path, "[0, 0.1]", "a.toml"), out, workers=1)
    assert (first.total, first.skipped) == (2, 0)
    assert [line.split(",")[1] for line in out.read_text().splitlines()[1:]] == ["0.0", "0.1"]
    again = run_sweep(_spelled(tmp_path, "[0.0, 0.1]", "b.toml"), out, workers=1)
    assert (again.total, again.skipped, again.notes) == (2, 2, ())
    import csv

    from cimsim.sweep.results import CHECKSUM, checksum
    rows = list(csv.DictReader(io.StringIO(out.read_text())))  # a file written before: the cell '0', its checksum
    rows[0]["device.read_noise_sigma"] = "0"
    rows[0][CHECKSUM] = checksum([v for k, v in rows[0].items() if k != CHECKSUM])
    old = io.StringIO()
    writer = csv.DictWriter(old, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    out.write_text(old.getvalue())
    for spelling in ("[0, 0.1]", "[0.0, 0.1]"):
        resumed = run_sweep(_spelled(tmp_path, spelling, "c.toml"), out, workers=1)
        assert (resumed.total, resumed.skipped, resumed.notes) == (2, 2, ())
    ranged = spec_from_dict({"preset": "rram-default", "mode": "random", "samples": 3,
                             "axes": {"device.read_noise_sigma": {"start": 0, "stop": 1}}})
    assert all(type(v) is float for p in expand(ranged) for v in p.values)  # integer draws of a float field too


def test_price_model_counts_are_bounded_with_their_reasons():
    """items, sequences and an image side past any deployment are refused, named, where 10**400 had overflowed
    (internal OverflowError) and 10**50 sequences priced 2e33 TJ a token; the CLI's options hold the same bounds"""
    config = load_preset("rram-default")
    with pytest.raises(ValueError, match=r"image_side must be an int >= 32 and <= 8192"):
        get_model("resnet18", image_side=10**400)
    from cimsim.models import MAX_IMAGE_SIDE, MAX_ITEMS, MAX_SEQUENCES

    with pytest.raises(ValueError, match=r"image_side must be an int >= 32 and <= 8192"):
        get_model("resnet18", image_side=2**64)
    with pytest.raises(ValueError, match=rf"items must be an int >= 1 and <= {MAX_ITEMS}"):
        price_model(config, get_model("resnet18"), items=10**400)
    with pytest.raises(ValueError, match=rf"sequences must be an int >= 1 and <= {MAX_SEQUENCES}"):
        price_model(config, get_model("gpt2-small", phase="decode"), chips=2, sequences=10**50)
    bounds = {p.name: p.type.max for p in price_model_command.params if p.name in ("items", "sequences", "image_side")}
    assert bounds == {"items": MAX_ITEMS, "sequences": MAX_SEQUENCES, "image_side": MAX_IMAGE_SIDE}
    result = CliRunner().invoke(main, ["price-model", "resnet18", "--items", str(10**400)])
    assert result.exit_code == 2 and "--items" in result.output and "internal error" not in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX's")
def test_a_pipe_nothing_writes_to_is_refused_not_waited_on(tmp_path):
    """a FIFO without a writer given as any input file of the command line: refused at once (exit 2), where every
    command had blocked in open() for ever"""
    for name in ("cfg.toml", "r.csv", "net.npz"):
        os.mkfifo(tmp_path / name)
    cfg, table, net = (str(tmp_path / n) for n in ("cfg.toml", "r.csv", "net.npz"))
    for args in (["validate", cfg], ["estimate", cfg], ["macros", cfg], ["pareto", table, "--x", "a", "--y", "b"],
                 ["sweep", cfg, "-o", str(tmp_path / "o.csv")], ["price-model", net],
                 ["price-model", "resnet18", "--config", cfg]):
        result = _cli(*args, timeout=30, stdin=subprocess.DEVNULL)
        assert result.returncode == 2, (args, result.stderr)
        assert "a pipe (FIFO) that nothing writes to" in result.stderr or "names a device, pipe or socket" in (
            result.stderr), (args, result.stderr)


def test_a_pipe_with_a_writer_or_its_data_is_read(tmp_path):
    """bash's <(cat cfg.toml) keeps working: a pipe whose writer has written and gone, and one whose writer
    writes only after the command has started"""
    text = (ROOT / "configs" / "default.toml").read_bytes()
    read_end, write_end = os.pipe()
    os.write(write_end, text)
    os.close(write_end)
    done = _cli("validate", f"/dev/fd/{read_end}", pass_fds=(read_end,))
    os.close(read_end)
    assert done.returncode == 0 and "valid" in done.stdout, done.stderr
    read_end, write_end = os.pipe()
    child = subprocess.Popen([*CIMSIM, "validate", f"/dev/fd/{read_end}"], pass_fds=(read_end,), cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(read_end)
    time.sleep(1.0)  # the command has opened the pipe and found its writer, with nothing written yet
    with os.fdopen(write_end, "wb") as writer:
        writer.write(text)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0 and "valid" in out, err


def test_an_empty_pipe_whose_writer_has_closed_is_an_empty_config_whenever_it_closed():
    """cat empty.toml | cimsim validate /dev/stdin had been refused as a pipe that would wait for ever where cat had
    ended before the command opened it, and read as an empty config where it had not (a bad-config probe)"""
    read_end, write_end = os.pipe()
    os.close(write_end)  # the writer gone before the command starts
    done = _cli("validate", f"/dev/fd/{read_end}", pass_fds=(read_end,))
    os.close(read_end)
    assert done.returncode == 0 and "states nothing (empty)" in done.stderr, done.stderr
    assert "wait for ever" not in done.stderr


def test_a_random_sweep_says_when_its_draws_repeat(tmp_path):
    """samples = 5 over 5 integers drawn with replacement (kept so: seeded sweeps keep their points) gives fewer
    distinct points; the sweep says how many and why, where it had returned them silently"""
    spec = tmp_path / "s.toml"
    spec.write_text('preset = "rram-default"\nmode = "random"\nsamples = 5\n[axes]\n'
                    '"adc.bits" = {start = 4, stop = 8}\n')
    points = len(expand(spec_from_dict({"preset": "rram-default", "mode": "random", "samples": 5,
                                        "axes": {"adc.bits": {"start": 4, "stop": 8}}})))
    assert points < 5
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(tmp_path / "r.csv"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"5 samples drew {points} distinct points" in result.output


def test_a_closed_stdout_ends_the_command_quietly():
    """`cimsim ... | head -1`: the reader gone, the command ends with 141 (128 + SIGPIPE, as cat does) and says
    nothing, where it had printed "error: [Errno 32] Broken pipe" and exited 1"""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    child = subprocess.run([*CIMSIM, "presets"], stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                           timeout=120)
    os.close(write_end)
    assert child.returncode == 141 and child.stderr == "", child.stderr


def test_an_on_off_ratio_float_rounding_cannot_hold_is_refused():
    """g_min a hair below g_max (1 - 1e-15) had validated, then given a relative error of 1.7 with digital
    subtraction and 1.4e13 with IR drop: the levels' spacing was below float64's rounding"""
    from cimsim.errors import ConfigError
    with pytest.raises(ConfigError, match=r"'device.g_min_us' .* by a millionth of it at least"):
        cimsim.as_config(TINY, {"device.g_min_us": 1e6 * (1 - 1e-15), "device.g_max_us": 1e6})
    near, off = (cimsim.simulate(TINY, {"device.g_min_us": g_min, "device.g_max_us": 1e6}).to_dict()["accuracy"]
                 for g_min in (1e6 * (1 - 2e-6), 0.0))  # just past the bound: the levels still resolve
    assert near["relative_error"] == pytest.approx(off["relative_error"], rel=1e-6)


def test_a_seed_numpy_would_split_into_words_is_refused():
    """numpy splits a seed past 2**32 into 32-bit words: seed 2**33 + 5 had drawn seed 5's devices of trial 2"""
    from cimsim.errors import ConfigError
    with pytest.raises(ConfigError, match=r"'simulation.seed' must be an integer in \[0, 4294967295\]"):
        cimsim.as_config(TINY, {"simulation.seed": 2**33 + 5})
    assert cimsim.as_config(TINY, {"simulation.seed": 2**32 - 1}).simulation.seed == 2**32 - 1


def _padded_network(tmp_path: Path, pad: int) -> Path:
    """a network file of Pad((pad, 0)), the first 8 values sliced back out, Dense(4 x 8), its pad written into the
    file (Network refuses a pad past MAX_SAMPLE_VALUES), and a config that runs it on 5 samples"""
    from cimsim.network import Dense, Network, Pad, Slice, save_network

    save_network(Network((Pad((2, 0)), Slice(0, 2, 10), Dense(np.ones((4, 8)))), input_shape=(8,)),
                 tmp_path / "net.npz")
    arrays = dict(np.load(tmp_path / "net.npz"))
    architecture = json.loads(str(arrays["architecture"]))
    architecture[0]["pads"] = [pad, 0]
    architecture[1].update(start=pad, stop=pad + 8)
    np.savez(tmp_path / "net.npz", **dict(arrays, architecture=np.array(json.dumps(architecture))))
    np.savez(tmp_path / "ds.npz", x=np.ones((5, 8)), y=np.zeros(5, dtype=np.int64))
    (tmp_path / "c.toml").write_text("[workload]\nkind = 'network'\nnetwork_file = 'net.npz'\ndataset = 'file'\n"
                                     "dataset_file = 'ds.npz'\nvectors = 5\n")
    return tmp_path / "net.npz"


def _shape_commands(tmp_path: Path) -> list[list[str]]:
    net, cfg = str(tmp_path / "net.npz"), str(tmp_path / "c.toml")
    return [["validate", cfg], ["estimate", cfg], ["price-model", net, "--samples", str(tmp_path / "ds.npz")]]


def test_a_network_value_past_the_per_sample_limit_is_refused_by_every_command(tmp_path):
    """A saved Pad((2**40, 0)) (8 TiB per sample): estimate and price-model --samples had failed with "Unable to
    allocate 8.00 TiB" (exit 1, nothing named), price-model without samples had priced it; each now refuses it at
    load (the ONNX importer's MAX_SAMPLE_VALUES), naming the file, the layer and its shape, with exit 2"""
    net = _padded_network(tmp_path, 2**40)
    for args in [*_shape_commands(tmp_path), ["price-model", str(net)]]:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "net.npz: layer 0 (pad, 'layer0'): its output, shape (1099511627784,) per sample" in result.output


def test_a_float_pass_past_memory_is_refused_by_the_shape_only_commands(tmp_path, monkeypatch):
    """A network whose values fit the per-sample limit but not this machine (64 MiB here): estimate and price-model
    --samples, whose float pass of the first samples had run into numpy's allocation (16.9 GB for a 2**31 pad on a
    23.5 GiB machine), refuse it before anything runs, as validate does, with exit 2"""
    import cimsim.footprint
    import cimsim.models.from_network

    _padded_network(tmp_path, 2**24)  # 128 MiB per sample
    monkeypatch.setattr(cimsim.footprint, "machine_memory_bytes", lambda: 2**26)
    monkeypatch.setattr(cimsim.models.from_network, "machine_memory_bytes", lambda: 2**26)
    for args in _shape_commands(tmp_path):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "'workload.network_file'" in result.output or "--samples" in result.output
        assert "this machine's memory (0.0625 GiB)" in result.output, result.output
        if args[0] != "validate":  # validate's own estimate (the simulation's) says so first
            assert ("the network's float forward pass of one sample would need 0.125 GiB (16777244 activation and 8 "
                    "input-row values, float64; the largest, layer 0 (pad, 'layer0'): shape (16777224,))"
                    ) in result.output
    result = CliRunner().invoke(main, ["price-model", str(tmp_path / "net.npz")])  # shapes alone: no pass to run
    assert result.exit_code == 0, result.output
