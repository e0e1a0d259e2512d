"""A script without `if __name__ == "__main__":` that starts workers: one clear error, not BrokenProcessPool
tracebacks; and a network's dataset, a digital array's cols_per_adc stated where ignored: refused."""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

import cimsim
from cimsim.config import ConfigError, config_from_dict, config_to_dict, load_config, with_overrides
from cimsim.sweep import run_sweep, spec_from_dict
from cimsim.sweep.execute import open_executor

ROOT = Path(__file__).resolve().parents[1]
DEFAULT, MLP = ROOT / "configs" / "default.toml", ROOT / "configs" / "digits-mlp.toml"
SPEC = f'base = "{DEFAULT}"\nkind = "analytic"\nobjectives = ["energy_pj"]\n[axes]\n"adc.bits" = [4, 5, 6]\n'
GUARD = 'if __name__ == "__main__":'


STILL_STARTING = "this process is a worker still starting: it imports the main module"
LOST_EARLY = 'import os, signal\nif __name__ == "__mp_main__":\n    os.kill(os.getpid(), signal.SIGKILL)\n'


def unguarded(tmp_path: Path, call: str, before: str = "") -> subprocess.CompletedProcess:
    """``call`` at the top level of a script (no main guard), after the code ``before``, run as ``python script.py``"""
    (tmp_path / "spec.toml").write_text(SPEC)
    script = tmp_path / "script.py"
    script.write_text(f"{before}import cimsim\nfrom cimsim.sweep import run_sweep, spec_from_dict\nprint({call})\n")
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)


def parent_error(run: subprocess.CompletedProcess) -> str:
    assert run.returncode == 1, run.stderr[-3000:]
    last = run.stderr.strip().splitlines()[-1]
    assert "BrokenProcessPool" not in run.stderr and "bootstrapping phase" not in run.stderr, run.stderr[-3000:]
    assert last.startswith("ValueError: workers=2: the worker processes could not start"), last
    assert GUARD in last and "script.py" in last
    return run.stderr


def test_simulate_with_workers_without_a_main_guard_is_one_clear_error(tmp_path):
    """each spawned worker re-runs the script: it had met multiprocessing's bootstrapping RuntimeError, and the
    caller a bare BrokenProcessPool; now the worker refuses the call and the caller names the cause. The caller's
    line is what every run guarantees: the pool breaks at the first worker to end, and the others are ended then,
    so a worker's own line is there only if one reached the call first (the refusal: test_a_starting_worker_...)"""
    parent_error(unguarded(tmp_path, f'cimsim.simulate("{MLP}", {{"simulation.batch_size": 100}}, workers=2)'))


def test_run_sweep_without_a_main_guard_starts_no_sweep_in_its_workers(tmp_path):
    """the workers had each started the sweep over and failed on the results file's lock (OutputLocked), and the
    sweep returned 0 points 'a worker was lost'"""
    assert "OutputLocked" not in parent_error(unguarded(tmp_path, 'run_sweep("spec.toml", "out.csv", workers=2)'))


@pytest.mark.parametrize("call", [f'cimsim.simulate("{MLP}", {{"simulation.batch_size": 100}}, workers=2)',
                                  'run_sweep("spec.toml", "out.csv", workers=2)'])
def test_workers_lost_before_they_reach_the_call_are_still_one_clear_error(tmp_path, call):
    """a worker can end before its re-run of the script reaches cimsim (killed, or the script fails there first):
    then no worker says it is still starting, and the caller still names the cause in one line"""
    assert STILL_STARTING not in parent_error(unguarded(tmp_path, call, before=LOST_EARLY))


@pytest.fixture
def starting(monkeypatch):
    """this process as a spawned worker importing its parent's main module (multiprocessing's own flag)"""
    monkeypatch.setattr(multiprocessing.current_process(), "_inheriting", True, raising=False)


def test_a_starting_worker_refuses_to_start_workers_or_a_sweep(starting, tmp_path):
    with pytest.raises(ValueError, match=f"run_sweep: {STILL_STARTING}.*{GUARD}"):
        run_sweep(spec_from_dict({"base": str(DEFAULT), "kind": "analytic", "objectives": ["energy_pj"],
                                  "axes": {"adc.bits": [4, 5]}}), tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []  # neither the results file nor its lock
    with pytest.raises(ValueError, match=f"workers=2: {STILL_STARTING}.*{GUARD}"):
        with open_executor(2, None):
            pass
    config = with_overrides(load_config(MLP), {"workload.vectors": 20, "simulation.batch_size": 10})
    with pytest.raises(ValueError, match=f"workers=2: {STILL_STARTING}.*{GUARD}"):
        cimsim.simulate(config, workers=2)
    assert cimsim.simulate(config).samples == 20  # in this process: nothing is started, nothing refused


def test_a_worker_lost_after_it_started_is_not_blamed_on_the_main_guard():
    with open_executor(1, None) as executor:
        with pytest.raises(BrokenProcessPool):
            executor.submit(os._exit, 3).result()


@pytest.mark.parametrize("overrides, field", [
    ({"workload.dataset": "file"}, "workload.dataset"),  # a dense layer reads no dataset: it had been ignored
    ({"array.family": "digital", "adc.cols_per_adc": 4}, "adc.cols_per_adc"),  # adder trees share no ADC
])
def test_a_field_the_settings_ignore_is_refused(overrides, field):
    with pytest.raises(ConfigError, match=f"'{field}' applies only when .* here it would be ignored") as info:
        with_overrides(load_config(DEFAULT), overrides)
    assert info.value.fields == [field]


def test_fields_refused_where_ignored_are_still_written_at_their_default():
    """config_to_dict keeps them, so the sweep point ids that hash its tables stay as they were"""
    dense = load_config(DEFAULT)
    digital = with_overrides(dense, {"array.family": "digital"})
    assert config_to_dict(dense)["workload"]["dataset"] == "digits"
    assert config_to_dict(digital)["adc"]["cols_per_adc"] == 8
    for config in (dense, digital):
        assert config_from_dict(config_to_dict(config), config.source) == config


def test_the_scale_out_docs_say_to_guard_the_main_module():
    text = (ROOT / "docs" / "networks.md").read_text()
    scale_out = text[text.index("## Scale out"):text.index("## The .npz format")]
    assert GUARD in scale_out
    assert GUARD in (ROOT / "docs" / "robustness.md").read_text()


def test_a_guarded_script_piped_on_stdin_is_told_to_run_from_a_file(tmp_path):
    """a spawned worker cannot import a main module read from stdin: the caller had been told to add the main guard
    the script already had"""
    script = f'import cimsim\n{GUARD}\n    cimsim.simulate("{MLP}", {{"simulation.batch_size": 100}}, workers=2)\n'
    (tmp_path / "s.toml").write_text(SPEC)
    sweep = 'from cimsim.sweep import run_sweep\nrun_sweep("s.toml", "s.csv")\n'
    for text in (script, sweep):  # a sweep had been told to leave workers out, which it cannot
        run = subprocess.run([sys.executable, "-"], input=text, cwd=tmp_path, capture_output=True, text=True,
                             timeout=600)
        last = run.stderr.strip().splitlines()[-1]
        assert run.returncode == 1 and re.match(r"ValueError: workers=\d+: worker processes cannot start from this "
                                                r"script", last), run.stderr
        assert "(a script piped on stdin); run the script from a file" in last and GUARD not in last
        assert run.stderr.count("Traceback") == 1  # the caller's own: no worker started


def test_a_zipapps_sweep_starts_its_workers(tmp_path):
    """a zipapp's main module has a path inside its archive, which is no file, but spawn imports it by its module
    name: its sweep had been refused as a script piped on stdin (a review, 2026-12-08)"""
    import zipapp

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__main__.py").write_text(f'from cimsim.sweep import run_sweep\n{GUARD}\n'
                                                  '    print(run_sweep("s.toml", "s.csv", workers=1).ok)\n')
    zipapp.create_archive(tmp_path / "app", tmp_path / "app.pyz")
    (tmp_path / "s.toml").write_text(SPEC)
    run = subprocess.run([sys.executable, "app.pyz"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and run.stdout.strip() == "3", run.stderr


@pytest.mark.parametrize("call", [cimsim.simulate, cimsim.compare])
def test_a_starting_worker_refuses_before_loading_anything(call, starting, tmp_path):
    """the refusal came only once the config, network and dataset had been loaded in each worker (for nothing; the
    longer a worker takes to reach it, the likelier something else ends it first and its line is lost)"""
    with pytest.raises(ValueError, match=f"workers=2: {STILL_STARTING}"):
        call(tmp_path / "not-written-yet.toml", workers=2)


def test_workers_that_cannot_start_under_the_cli_are_not_blamed_on_a_main_guard(tmp_path):
    # the CLI guards its calls: workers of `cimsim sweep` that died while starting (a probe: a read-only install's
    # numba cache) had been told to put their cimsim calls under a main guard; here each spawned worker dies at once
    (tmp_path / "spec.toml").write_text(SPEC)
    (tmp_path / "sitecustomize.py").write_text("import os, sys\nif '--multiprocessing-fork' in sys.argv:\n"
                                              "    os._exit(3)\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    run = subprocess.run([sys.executable, "-m", "cimsim.cli", "sweep", "spec.toml", "-o", "out.csv", "--workers", "2"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert "the worker processes could not start (their errors, where they wrote any, are above)" in run.stderr
    assert GUARD not in run.stderr
