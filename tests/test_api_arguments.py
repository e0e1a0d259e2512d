"""Arguments of the wrong type or value given to the API and the cost building blocks are named at the call."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import math
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

import cimsim
from cimsim.argcheck import CallableParameter, _typed_parameters, checked_types, described
from cimsim.config.schema import Config, TechnologyConfig
from cimsim.cost import gates, leakage, noc, periphery, vector_unit
from cimsim.cost.families import chain_registers
from cimsim.errors import ConfigError
from cimsim.mapping import Plan, plan_layer

def _checked_parameters():
    """(function, parameter name, class) of every parameter that :func:`checked_types` checks, over the public
    functions of every public module of cimsim"""
    found = []
    for info in pkgutil.walk_packages(cimsim.__path__, "cimsim."):
        if "._" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            func = getattr(module, name)
            if inspect.isfunction(func) and func.__module__ == info.name and func.__code__.co_name == "checked":
                for _, parameter, classes in _typed_parameters(func.__wrapped__):
                    if isinstance(classes, tuple) and not isinstance(classes, CallableParameter):  # a dataclass
                        found.append((func, parameter, classes[0]))
    return found


CASES = _checked_parameters()


def test_the_cases_cover_the_api():
    names = {f"{func.__module__.removeprefix('cimsim.')}.{func.__name__}" for func, _, _ in CASES}
    assert len(names) >= 100 and {"cost.adc.adc_energy_pj", "cost.chip.cim_breakdown", "comparison.compare",
                                  "cost.baseline.baseline_breakdown", "cost.cells.cell_area_um2", "run.simulate",
                                  "analytic.analytic_counts", "numerics.replicated.build_crossbar"} <= names


@pytest.mark.parametrize("func, parameter, cls", CASES, ids=[f"{f.__name__}-{p}" for f, p, _ in CASES])
def test_an_object_of_the_wrong_type_is_named(func, parameter, cls):
    """A float where a Config, Plan, TechnologyConfig ... belongs: a TypeError naming the argument and how to get
    the right object, before anything else is read (before: AttributeError from deep inside)."""
    # every other checked argument an object that passes as its class (the function body is never reached)
    arguments = {name: object() for name, p in inspect.signature(func).parameters.items()
                 if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    for _, name, classes in _typed_parameters(func.__wrapped__):
        arguments[name] = print if isinstance(classes, CallableParameter) else mock.NonCallableMock(spec=classes[0])
    arguments[parameter] = 0.5
    with pytest.raises(TypeError, match=rf"^{parameter} must be .*cimsim {cls.__name__}.*; got float 0.5$"):
        func(**arguments)


def test_checked_types_accepts_none_only_where_optional_and_leaves_defaults_alone():
    @checked_types
    def f(tech: TechnologyConfig, plan: Plan | None = None, *, config: Config = Config()) -> str:
        return "ran"

    tech = TechnologyConfig()
    assert f(tech) == f(tech, None) == f(tech, plan=None) == f(tech, config=Config()) == "ran"
    with pytest.raises(TypeError, match=r"^tech must be a cimsim TechnologyConfig \(config.technology"):
        f(None)
    with pytest.raises(TypeError, match="^plan must be a cimsim Plan .* got str 'p'"):
        f(tech, plan="p")
    with pytest.raises(TypeError, match="^config must be a cimsim Config .* got NoneType None"):
        f(tech, config=None)
    assert described(Plan) == "a cimsim Plan (cimsim.mapping.plan_layer(config))"
    assert f.__name__ == "f" and f.__wrapped__.__name__ == "f"


def test_a_callable_argument_that_is_none_is_named_before_anything_runs(tmp_path):
    """progress=3 had failed as "'int' object is not callable" after a block had run, naming no argument (a probe);
    Network.forward's matmul likewise"""
    @checked_types
    def f(progress: Callable[[int], None] | None = None, *, hook: Callable[[], int]) -> str:
        return "ran"

    assert f(print, hook=print) == f(None, hook=len) == "ran"
    with pytest.raises(TypeError, match=r"^progress must be a callable \(called with int\) or None; got int 3$"):
        f(3, hook=print)
    with pytest.raises(TypeError, match=r"^hook must be a callable \(called with nothing\); got NoneType None$"):
        f(hook=None)
    from cimsim.network import Dense, Network
    from cimsim.run import simulate

    config = cimsim.as_config(Path(__file__).resolve().parents[1] / "configs" / "default.toml")
    for call in (lambda: simulate(config, 3), lambda: simulate(config, progress="x")):
        with pytest.raises(TypeError, match=r"^progress must be a callable \(called with int\) or None; got "):
            call()
    net = Network((Dense(np.ones((3, 2))),), (2,))
    with pytest.raises(TypeError, match=r"^matmul must be a callable \(called with int, MatrixLayer, ndarray\) or "
                                        r"None; got int 3$"):
        net.forward(np.ones((1, 2)), matmul=3)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0])
def test_numbers_out_of_range_are_refused_by_the_building_blocks(bad):
    """Each of these had returned NaN, inf or a negative energy for such an argument."""
    calls = [
        lambda: periphery.line_capacitance_ff(8, bad if bad != -1.0 else 0.0),
        lambda: periphery.line_charge_energy_pj(bad, 0.8),
        lambda: periphery.line_charge_energy_pj(1.0, bad),
        lambda: gates.switch_energy_pj(bad, 0.8),
        lambda: gates.switch_energy_pj(1.0, bad),
        lambda: gates.capacitance_ff(bad, TechnologyConfig()),
        lambda: leakage.logic_leakage_uw(bad),
        lambda: noc.tile_hops(bad, 4),
        lambda: noc.tile_hops(3, bad),
        lambda: chain_registers(plan_layer(Config()), bad),
        lambda: vector_unit.vector_unit(TechnologyConfig(), 8, bad),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="must be"):
            call()


def test_numbers_too_large_to_price_are_refused_by_name():
    """Each had failed with an OverflowError ('int too large to convert to float') or a MemoryError."""
    from cimsim.analytic import analytic_counts
    from cimsim.config import reference_markdown
    from cimsim.cost import digital

    tech, huge = TechnologyConfig(), 10 ** 400
    calls = [
        (lambda: digital.add_energy_pj(huge, tech), r"\(bits\) must be an int >= 1 and <= 64"),
        (lambda: digital.mac_energy_pj(8, 8, tech, huge), r"\(bits\) must be an int >= 1 and <= 64"),
        (lambda: periphery.dac_energy_pj(huge, tech), "DAC resolution must be an int >= 1 and <= 64"),
        (lambda: periphery.accumulator_area_um2(65, tech), "accumulator width must be an int >= 1 and <= 64"),
        (lambda: periphery.line_capacitance_ff(huge, 1.0), "n_cells must be an int >= 1 and <= 2147483648"),
        (lambda: periphery.line_charge_energy_pj(1.0, 1e308), "voltage_v must be a finite number >= 0 and <= 100"),
        (lambda: gates.switch_energy_pj(1.0, 1e308), "voltage_v must be a finite number >= 0 and <= 100"),
        (lambda: vector_unit.vector_unit(tech, huge, 8), "vector unit lanes must be an int >= 1"),
        (lambda: analytic_counts(plan_layer(Config()), huge), "vectors must be an int >= 0 and <= 9007199254740992"),
        (lambda: reference_markdown(2 ** 62), "level must be an int >= 1 and <= 5"),
        (lambda: reference_markdown("2"), "level must be an int >= 1 and <= 5; got '2'"),
    ]
    for call, message in calls:
        with pytest.raises(ValueError, match=message):
            call()
    assert reference_markdown(2).startswith("## Configuration reference")


@pytest.mark.parametrize("value", ["False", "no", 0, 1, 0.0, None, [True]])
def test_check_bool_refuses_what_only_looks_true_or_false(value):
    """a string "False" had been taken as True by its truth value"""
    from cimsim.argcheck import check_bool

    with pytest.raises(ValueError, match="flag must be True or False; got"):
        check_bool("flag", value)
    assert check_bool("flag", True) is True and check_bool("flag", np.bool_(False)) is False


_SMALL = Config(workload=dataclasses.replace(Config().workload, in_features=16, out_features=8, vectors=4))


@pytest.mark.parametrize("device, field", [
    ({"g_min_us": 20.0}, "device.g_min_us"),                                 # above g_max_us (10)
    ({"drift_nu": 0.1, "drift_time_s": 1e-3}, "device.drift_time_s"),         # read before drift_t0_s (20 s)
    ({"stuck_at_gmin_rate": 0.7, "stuck_at_gmax_rate": 0.7}, "device.stuck_at_gmax_rate"),  # rates sum to 1.4
    ({"bits_per_cell": 0}, "device.bits_per_cell"),                          # outside its own range
])
@pytest.mark.parametrize("call", [cimsim.simulate, cimsim.compare, cimsim.estimate])
def test_a_config_given_in_memory_passes_the_loaders_checks(call, device, field):
    """A Config built with dataclasses.replace had skipped the rules between fields (g_min above g_max ran, reads
    before t0 grew the conductances) and its fields' own rules (bits_per_cell = 0: ZeroDivisionError deep inside);
    the loader refuses each by name, settings or not."""
    config = dataclasses.replace(_SMALL, device=dataclasses.replace(_SMALL.device, **device))
    with pytest.raises(ConfigError) as err:
        call(config)
    assert field in err.value.fields and "(a Config given in memory)" in str(err.value)  # not the file's values
    with pytest.raises(ConfigError) as err:  # the same values through the settings: the same field refused
        call(_SMALL, {f"device.{k}": v for k, v in device.items()})
    assert field in err.value.fields
    assert cimsim.as_config(_SMALL) is _SMALL  # a valid one passes unchanged


def test_settings_may_mend_a_config_given_in_memory():
    """with settings, the checks apply to the config they make (as for a file): a field they set right is no error"""
    config = dataclasses.replace(_SMALL, device=dataclasses.replace(_SMALL.device, g_min_us=20.0))
    assert cimsim.as_config(config, {"device.g_max_us": 40.0}).device.g_max_us == 40.0


def test_an_empty_path_names_no_file(tmp_path):
    """run_sweep(spec, "") had passed the output checks and failed deep inside (IsADirectoryError on '.'); an empty
    config path read as "'': cannot read the config file: No such file or directory" """
    from cimsim.config import load_config
    from cimsim.network import load_network
    from cimsim.sweep import run_sweep
    spec = tmp_path / "s.toml"
    spec.write_text('base = "c.toml"\n[axes]\n"adc.bits" = [6, 8]\n')
    (tmp_path / "c.toml").write_text('preset = "rram-default"\n')
    for call, what in ((lambda: run_sweep(spec, ""), "output (the results CSV)"),
                       (lambda: load_network(""), "network path")):
        with pytest.raises(ValueError, match=re.escape(f"{what} must name a file; got an empty path")):
            call()
    with pytest.raises(ConfigError, match="the config file must name a file; got an empty path"):
        load_config("")
    assert not list(tmp_path.glob("*.lock"))  # refused before the results file's lock was taken


@pytest.mark.parametrize("name", ["s.json", "s.NPZ", "s.parquet"])
def test_run_sweep_refuses_a_results_file_named_as_another_format(tmp_path, name):
    """the CLI's -o refused these, yet run_sweep(spec, "s.json") had written CSV rows there without a word"""
    from cimsim.sweep import run_sweep
    spec = tmp_path / "s.toml"
    spec.write_text('base = "c.toml"\n[axes]\n"adc.bits" = [6, 8]\n')
    (tmp_path / "c.toml").write_text('preset = "rram-default"\n')
    with pytest.raises(ConfigError, match=r"the sweep writes CSV rows there; give a file ending in \.csv"):
        run_sweep(spec, tmp_path / name, workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "s.toml"]  # nothing written, no lock


_MLP = Path(__file__).resolve().parents[1] / "configs" / "digits-mlp.toml"


@pytest.mark.parametrize("call", [cimsim.simulate, cimsim.compare])
def test_workers_and_a_scheduler_together_are_refused_before_any_connection(call):
    """the CLI refuses --workers with --scheduler; the API had passed both on, workers=2 capping the pieces a whole
    cluster was sent (here: 10 s trying to reach the address first)"""
    settings = {"workload.vectors": 100, "simulation.batch_size": 10}
    with pytest.raises(ValueError, match=r"^workers sets local processes; a Dask cluster \(scheduler\) has its own "
                                         r"workers: give one of them$"):
        call(_MLP, settings, workers=2, scheduler="tcp://127.0.0.1:1")


@pytest.mark.parametrize("argument, value, match", [
    ("trials", "2", r"^trials must be an integer in \[1, 100000\]; got '2'$"),
    ("trials", 0, r"^trials must be an integer in \[1, 100000\]; got 0$"),
    ("seed", 1.5, r"^seed must be an integer in \[0, 4294967295\]; got 1.5$"),
])
def test_run_arguments_are_named_as_the_arguments(argument, value, match):
    """trials="2" had been refused as "'simulation.trials' must be ...; got "2" (given as an override)": a setting
    never given"""
    with pytest.raises(ValueError, match=match):
        cimsim.simulate(_SMALL, **{argument: value})
    assert len(cimsim.simulate(_SMALL, trials=np.int64(2), seed=np.uint8(3)).trials) == 2  # numpy ints as ints


def test_settings_may_give_a_table_as_a_dict():
    """{"adc": {"bits": 6}} had been refused as "unknown key 'adc'; valid keys: ... adc, ...": named unknown, then
    listed as valid; it is taken as {"adc.bits": 6}, as a config's tables are"""
    nested, dotted = cimsim.estimate(_SMALL, {"adc": {"bits": 6}}), cimsim.estimate(_SMALL, {"adc.bits": 6})
    assert nested.cim.total_energy_pj == dotted.cim.total_energy_pj != cimsim.estimate(_SMALL).cim.total_energy_pj
    assert cimsim.as_config(_SMALL, {"device": {"preset": "pcm", "drift_nu": 0.01}}).device.drift_nu == 0.01
    for settings, match in (({"adc": 6}, r"'adc' is a table; set one of its fields \('adc\.\w+'\), or give the "
                                         r"table as a dict of its fields; got 6"),
                            ({"adc": {"bits": 6}, "adc.bits": 7}, "'adc.bits' is given twice"),
                            ({"adc": {"bitz": 6}}, "unknown key 'adc.bitz'; did you mean 'adc.bits'?")):
        with pytest.raises(ConfigError, match=match):
            cimsim.estimate(_SMALL, settings)
    # compared too
    with pytest.raises(ValueError, match="settings give simulation.trials = 3, but the argument trials=2"):
        cimsim.simulate(_SMALL, {"simulation": {"trials": 3}}, trials=2)


def test_the_top_level_calls_check_progress_and_workers_before_loading_anything():
    """cimsim.simulate / compare name a bad progress or workers, with what progress is called with, before the config
    is read (a missing file comes second)"""
    for call in (cimsim.simulate, cimsim.compare):
        with pytest.raises(TypeError, match=r"^progress must be a callable \(called with the number of items just "
                                            r"finished\) or None; got int 5$"):
            call("no such file.toml", progress=5)
        with pytest.raises(ValueError, match=r"^workers must be an int >= 1; got 0$"):
            call("no such file.toml", workers=0)


def test_a_bad_trial_and_a_workload_of_the_other_kind_are_named():
    """trial=-1 had been reported as a bad ``key`` (an argument the caller never gave); a dense config given to
    simulate_network had run the network, its result labelled dense (a probe)"""
    from cimsim.inference import simulate_network
    from cimsim.network import Dense, Network
    from cimsim.run import simulate

    root = Path(__file__).resolve().parents[1] / "configs"
    dense = cimsim.as_config(root / "default.toml")
    for trial, shown_as in ((-1, "-1"), (1.5, "1.5"), (2 ** 32, str(2 ** 32))):
        with pytest.raises(ValueError, match=rf"^trial must be an int >= 0 and <= 4294967295; got {shown_as}$"):
            simulate(dense, trial=trial)
    net = Network((Dense(np.ones((3, 4))),), (4,))
    with pytest.raises(ValueError, match=r"a 'dense' workload is simulated by cimsim.simulate \(or "
                                         r"cimsim.run.simulate\), not by cimsim.inference.simulate_network; a "
                                         r"network given in memory runs with 'workload.kind' = 'network' \(no "
                                         r"network_file needed\)$"):
        simulate_network(dense, network=net, inputs=np.ones((2, 4)))
    mlp = cimsim.as_config(root / "digits-mlp.toml")
    with pytest.raises(ValueError, match=r"a 'network' workload is simulated by cimsim.simulate \(or "
                                         r"cimsim.inference.simulate_network\), not by cimsim.run.simulate$"):
        simulate(mlp)
    with pytest.raises(ValueError, match=r"^trial must be an int >= 0 and <= 4294967295; got 1.5$"):
        simulate_network(mlp, trial=1.5)


def test_a_monte_carlo_line_of_a_network_without_labels_says_agreement():
    """over several trials the report and the multi-config table had called a network's top-1 agreement with the
    float network (no labels) its "analog accuracy" (a review)"""
    from cimsim.network import Dense, Network, ReLU
    from cimsim.report_multi import multi_markdown

    rng = np.random.default_rng(4)
    net = Network((Dense(rng.standard_normal((8, 6))), ReLU(), Dense(rng.standard_normal((3, 8)))), (6,))
    root = Path(__file__).resolve().parents[1] / "configs"
    comp = cimsim.compare(root / "default.toml", {"workload.kind": "network", "device.preset": "rram"}, network=net,
                          inputs=rng.standard_normal((12, 6)), trials=2)
    assert not comp.run.labelled
    assert "Monte Carlo over 2 trials, analog agreement:" in comp._repr_markdown_()
    assert "analog agreement over 2 trials:" in multi_markdown([comp, comp])
    assert "analog accuracy" not in multi_markdown([comp, comp])


def test_report_writers_name_arguments_of_the_wrong_kind(tmp_path):
    """estimates_markdown had left a design out where sources named fewer; multi_markdown failed as an
    AttributeError on an Estimate; write_pareto_plot as a KeyError on an unknown column (probe, 2026-12-07)"""
    from cimsim.report_estimate import estimates_markdown
    from cimsim.report_multi import multi_markdown
    from cimsim.sweep.plot import write_pareto_plot

    root = Path(__file__).resolve().parents[1] / "configs"
    small = {"workload.vectors": 8, "workload.in_features": 16, "workload.out_features": 4}
    ests = [cimsim.estimate(root / "default.toml", {**small, "adc.bits": bits}) for bits in (8, 4)]
    with pytest.raises(ValueError, match="sources must name the file of each of the 2 designs; got 1"):
        estimates_markdown(ests, ["a.toml"])
    assert estimates_markdown(ests, ["a.toml", "b.toml"]).startswith("# cimsim estimate of 2 designs")
    comp = cimsim.compare(root / "default.toml", small)
    for comps in ([ests[0]], comp):
        with pytest.raises(TypeError, match=r"comps must be a sequence of cimsim Comparisons"):
            multi_markdown(comps)
    with pytest.raises(TypeError, match="reports must be a folder path or None; got int"):
        multi_markdown([comp, comp], reports=5)
    row = {"energy_pj": "1", "area_mm2": "2", "point_id": "p"}
    with pytest.raises(ValueError, match="no column 'nope' in the points; they have area_mm2, energy_pj, point_id"):
        write_pareto_plot([row], [row], "nope", "area_mm2", tmp_path / "p.png")
    with pytest.raises(TypeError, match="plot path must be a file path"):
        write_pareto_plot([row], [row], "energy_pj", "area_mm2", None)


def test_report_writers_take_any_iterable_of_rows_and_refuse_others(tmp_path):
    """write_pareto_plot given tuples of rows had failed as "can only concatenate tuple" and multi_markdown given a
    generator of comparisons as "object of type 'generator' has no len()"; save_network to an existing folder as
    IsADirectoryError after its arrays were gathered (a probe, 2026-12-07)"""
    from cimsim.network import Dense, Network, save_network
    from cimsim.report_multi import multi_markdown
    from cimsim.sweep.plot import write_pareto_plot

    root = Path(__file__).resolve().parents[1] / "configs"
    small = {"workload.vectors": 8, "workload.in_features": 16, "workload.out_features": 4}
    comp = cimsim.compare(root / "default.toml", small)
    assert multi_markdown(c for c in [comp, comp]) == multi_markdown([comp, comp])
    row = {"energy_pj": "1", "area_mm2": "2", "point_id": "p"}
    for points, what in ((5, "points must be an iterable of rows"), ("ab", "points must be an iterable of rows"),
                         (row, "points must be an iterable of rows"), ([row, 3], "each of points must be a row")):
        with pytest.raises(TypeError, match=what):
            write_pareto_plot(points, [row], "energy_pj", "area_mm2", tmp_path / "p.png")
    if importlib.util.find_spec("matplotlib") is not None:
        assert write_pareto_plot((row,), (r for r in [row]), "energy_pj", "area_mm2", tmp_path / "p.png").exists()
    (tmp_path / "net.npz").mkdir()
    net = Network((Dense(np.ones((2, 3))),), (3,))
    with pytest.raises(ValueError, match="network path .*net.npz' names a folder; give the path of a file"):
        save_network(net, tmp_path / "net.npz")
