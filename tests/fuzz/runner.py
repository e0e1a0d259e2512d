"""Run fuzz cases and classify what happened.

A case is a dict with ``category`` and ``kind``:

- ``"toml"``: ``text`` (str or bytes, placeholders of :func:`fuzz.files.substitute`) written to ``case.toml`` in
  the fixture folder, then ``load_config``; optional ``files`` ({name: spec}) written to the case folder first;
- ``"dict"``: ``data`` given to ``config_from_dict``;
- ``"overrides"``: ``with_overrides(<small base>, overrides)``;
- ``"api"``: ``code``, Python run with numpy and cimsim names in scope; its last line is the call under test.

Config cases that load go through what ``cimsim validate`` checks (a network's file and dataset loaded, each
layer planned, the chip's capacity); if that passes and the workload is small, through ``run_trials``, ``price``
and ``run_dict``, as ``cimsim run`` does.

Outcomes (``OUTCOMES``): ``ok``; ``ok_not_run`` (valid, too big to simulate here); ``clean_error`` (ConfigError /
ValueError / TypeError naming the file and dotted field, or the argument); ``unclear_error`` (one of those types
whose message names neither); ``traceback`` (any other exception type); ``hang`` (no answer within the time
limit, twice: a case is retried once in a fresh worker); ``crash`` (the worker process died);
``validated_then_failed`` (validation passed, the run failed); ``silent_wrong`` (a report with NaN or a non-finite
relative error; for the API, an invalid argument accepted).
The CLI adds ``wrong_exit`` (a bad input answered with an exit code other than 2, without a traceback).
"""

from __future__ import annotations

import contextlib
import faulthandler
import math
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from . import files

__all__ = ["OUTCOMES", "CLEAN", "execute", "Pool", "run_cli", "reproducer", "THREAD_ENV"]

OUTCOMES = ["ok", "ok_not_run", "clean_error", "unclear_error", "wrong_exit", "traceback", "hang", "crash",
            "validated_then_failed", "silent_wrong", "harness_error"]
CLEAN = {"ok", "ok_not_run", "clean_error"}
REPO = Path(__file__).resolve().parents[2]
THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
_SECTIONS = "array|device|mapping|dac|adc|technology|workload|baseline|chip|simulation"
try:  # the project's own error types count as user errors too (ConfigError is a ValueError)
    from cimsim.errors import CallOrderError as _CallOrderError
except ImportError:  # an older tree
    _CallOrderError = ValueError
_USER_ERRORS = (ValueError, TypeError, _CallOrderError)
_RUN_ERRORS = (ValueError, TypeError, OSError, MemoryError)


# ---- classification helpers ----------------------------------------------------------------------------------

def _frames(exc: BaseException) -> tuple[str, str]:
    """(innermost cimsim frame, innermost frame) of the traceback, as 'path:line in function'"""
    tb = traceback.extract_tb(exc.__traceback__)
    inner = f"{_short(tb[-1].filename)}:{tb[-1].lineno} in {tb[-1].name}" if tb else "?"
    ours = [f for f in tb if "/cimsim/" in f.filename.replace("\\", "/")]
    where = f"{_short(ours[-1].filename)}:{ours[-1].lineno} in {ours[-1].name}" if ours else inner
    return where, inner


def _short(filename: str) -> str:
    f = filename.replace("\\", "/")
    for marker in ("/src/cimsim/", "/site-packages/", "/lib/python3"):
        if marker in f:
            return ("cimsim/" if marker == "/src/cimsim/" else "") + f.split(marker, 1)[1]
    return f


def _exc_info(exc: BaseException) -> dict:
    where, inner = _frames(exc)
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return {"exc_type": type(exc).__name__, "message": str(exc)[:600], "last_tb_line": last[:600], "where": where,
            "raised_in": inner}


def _config_error_ok(exc: BaseException, source: str) -> tuple[bool, str]:
    """whether a config error names the file and each dotted field it is about"""
    from cimsim.argcheck import escaped
    from cimsim.errors import ConfigError

    text = str(exc)
    if isinstance(exc, ConfigError):
        if source not in text:
            return False, "the message does not name the file"
        for field, message in exc.errors:  # a field as its messages show it: escaped where it is not plain text
            if field and field not in message and escaped(field) not in message:
                return False, f"the message for {field!r} does not name it"
        return True, ""
    if source in text or re.search(rf"\b({_SECTIONS})\.\w+", text):
        return True, ""
    return False, f"a {type(exc).__name__} that names neither the file nor a dotted field"


def _bad_numbers(obj: Any, path: str = "") -> list[str]:
    """paths of NaN floats in a report, and of infinite ones but an SNR's (an exact result has an infinite SNR; an
    infinite energy or latency is a figure that overflowed)"""
    out: list[str] = []
    named = path.rsplit(".", 1)[-1] in ("name", "source", "description")  # a config named "inf" is a name
    if isinstance(obj, str) and obj in ("inf", "-inf", "nan") and not named:  # how the JSON writes such a figure
        obj = float(obj)
    if isinstance(obj, float):
        if math.isnan(obj) or (math.isinf(obj) and "snr" not in path.lower()):
            out.append(path)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out += _bad_numbers(v, f"{path}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out += _bad_numbers(v, f"{path}[{i}]")
    return out


def _report_problem(report: dict) -> str:
    bad = _bad_numbers(report)
    acc = report.get("accuracy", {})
    rel = acc.get("relative_error")
    if rel is None or not math.isfinite(float(rel)):  # non-finite figures are written as "inf", "-inf", "nan"
        bad.insert(0, f".accuracy.relative_error = {rel}")
    return ", ".join(bad[:5])


# ---- executing a case ----------------------------------------------------------------------------------------

def _substitute_obj(obj: Any, fix: Path, case: Path) -> Any:
    if isinstance(obj, str) and "@" in obj:
        return type(obj)(files.substitute(obj, fix, case)) if type(obj) is str else obj
    if isinstance(obj, dict) and type(obj) is dict:
        return {k: _substitute_obj(v, fix, case) for k, v in obj.items()}
    return obj


def _write_case_files(case: dict, case_dir: Path) -> None:
    if case_dir.exists():
        shutil.rmtree(case_dir)
    case_dir.mkdir(parents=True)
    for name, spec in (case.get("files") or {}).items():
        (case_dir / name).write_bytes(files.build_file(spec))


def _case_text(case: dict, fix: Path, case_dir: Path) -> bytes:
    text = case["text"]
    if isinstance(text, str):
        return files.substitute(text, fix, case_dir).encode("utf-8", "surrogatepass")
    return files.substitute(text.decode("latin-1"), fix, case_dir).encode("latin-1")


def small_base(name: str):
    from cimsim.config import config_from_dict
    from .strategies import BASES

    return config_from_dict(_substitute_obj(BASES[name], Path("."), Path(".")), source=name, base_dir=REPO / "configs")


def _price():
    try:
        from cimsim.comparison import price
    except ImportError:  # before the rename
        from cimsim.compare import price
    return price


def validate_like_cli(cfg) -> list:
    """What ``cimsim validate`` checks beyond loading (``cimsim.preflight.preflight`` where it exists); returns the
    layer plans."""
    from cimsim.cost.chip_capacity import check_fits
    from cimsim.mapping import plan_layer

    try:
        from cimsim.preflight import preflight
    except ImportError:
        preflight = None
    if preflight is not None:
        preflight(cfg)
    if cfg.workload.kind == "network":
        from cimsim.inference import load_workload_network

        network, _, _ = load_workload_network(cfg)
        plans = [plan_layer(cfg, s.in_features, s.out_features) for s in network.matrix_shapes()]
    else:
        plans = [plan_layer(cfg)]
    check_fits(cfg, plans)
    return plans


def runnable(cfg, plans) -> bool:
    """small enough to simulate well under a second"""
    trials, vectors = cfg.simulation.trials, cfg.workload.vectors
    if trials > 3 or sum(p.n_arrays for p in plans) > 2048:
        return False
    cells = sum(p.n_arrays * p.rows * p.cols for p in plans)
    if cfg.array.wire_resistance_ohm > 0 and cfg.array.ir_drop == "exact" and cells > 2 * 64 * 64:
        return False
    work = sum(p.n_arrays * p.rows * p.cols * p.reads_per_vector for p in plans) * trials
    if cfg.workload.kind == "network":
        return vectors * trials <= 64 and work <= 2**24
    limit = 2**22 if cfg.device.read_noise_path == "cell" and cfg.device.read_noise_sigma > 0 else 2**27
    return work * vectors <= limit


def execute(case: dict, fix: Path) -> dict:
    """Run one case in this process and classify it (see the module doc)."""
    fix = Path(fix)
    case_dir = fix / "case"
    result: dict[str, Any] = {"stage": "load"}
    t0 = time.perf_counter()
    try:
        _execute(case, fix, case_dir, result)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - a fuzz harness records whatever escapes
        result.update(outcome="traceback", note="escaped the harness", **_exc_info(exc))
    result["seconds"] = round(time.perf_counter() - t0, 4)
    return result


def _execute(case: dict, fix: Path, case_dir: Path, result: dict) -> None:
    from cimsim.config import config_from_dict, load_config, with_overrides
    from cimsim.report_json import run_dict
    from cimsim.trials import run_trials

    kind = case["kind"]
    if case.get("files"):
        try:
            _write_case_files(case, case_dir)
        except Exception as exc:  # the spec is the harness's: a harness bug, reported apart
            result.update(outcome="harness_error", note="building the case's files failed", **_exc_info(exc))
            return
    if kind == "api":
        _execute_api(case, fix, result)
        return
    try:
        if kind == "toml":
            path = fix / "case.toml"
            path.write_bytes(_case_text(case, fix, case_dir))
            source = str(path)
            cfg = load_config(path)
        elif kind == "dict":
            source = "<dict>"
            cfg = config_from_dict(_substitute_obj(case["data"], fix, case_dir))
        else:
            base = small_base(case["base"])
            source = base.source
            cfg = with_overrides(base, _substitute_obj(case["overrides"], fix, case_dir), base_dir=fix)
        result["stage"] = "validate"
        plans = validate_like_cli(cfg)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.update(_exc_info(exc))
        if isinstance(exc, _USER_ERRORS):
            ok, why = _config_error_ok(exc, source)
            result.update(outcome="clean_error" if ok else "unclear_error", note=why)
        else:
            result["outcome"] = "traceback"
        return
    result["validated"] = True
    if not runnable(cfg, plans):
        result.update(outcome="ok_not_run", runnable=False)
        return
    result.update(stage="run", runnable=True)
    try:
        results = run_trials(cfg)
        cim, _ = _price()(cfg, results[0], include_weight_load=False)
        report = run_dict(results, cim)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.update(_exc_info(exc))
        result["outcome"] = "validated_then_failed" if isinstance(exc, _RUN_ERRORS) else "traceback"
        return
    problem = _report_problem(report)
    result.update(outcome="silent_wrong" if problem else "ok", note=problem)


def _api_namespace(fix: Path) -> dict:
    import collections
    import dataclasses
    import pathlib
    import tempfile
    import types

    import numpy as np

    from cimsim.cli_macros import cases_csv
    from cimsim.config import config_from_dict, load_config, with_overrides
    from cimsim.inference import simulate_network
    from cimsim.mapping import plan_layer
    from cimsim.network import load_network
    from cimsim.numerics import Crossbar
    from cimsim.sweep import spec_from_dict
    from cimsim.validation.macro_comparison import excluded_points, macro_cases
    from cimsim.validation.macro_report import macro_section

    from .strategies import BASES
    from .tomlw import dumps

    dense = fix / "base_dense.toml"
    if not dense.exists():
        dense.write_text(files.substitute(dumps(BASES["configs/default.toml"]), fix))
        (fix / "base_mlp.toml").write_text(files.substitute(dumps(BASES["configs/digits-mlp.toml"]), fix))
    return {"np": np, "Crossbar": Crossbar, "load_config": load_config, "with_overrides": with_overrides,
            "config_from_dict": config_from_dict, "load_network": load_network, "simulate_network": simulate_network,
            "plan_layer": plan_layer, "spec_from_dict": spec_from_dict, "dataclasses": dataclasses, "pathlib": pathlib,
            "collections": collections,
            "types": types, "FIX": str(fix), "BASE_DENSE": str(dense), "BASE_MLP": str(fix / "base_mlp.toml"),
            "tempfile": tempfile, "macro_cases": macro_cases, "excluded_points": excluded_points,
            "macro_section": macro_section, "cases_csv": cases_csv}


def _execute_api(case: dict, fix: Path, result: dict) -> None:
    import numpy as np

    ns = _api_namespace(fix)
    *setup, last = case["code"].rstrip("\n").split("\n")
    result["stage"] = "setup"
    try:
        exec(compile("\n".join(setup), "<case setup>", "exec"), ns)
    except Exception as exc:  # the setup is meant to be valid: a harness bug, reported apart
        result.update(outcome="harness_error", note="the case's setup failed", **_exc_info(exc))
        return
    result["stage"] = "call"
    try:
        value = eval(compile(last, "<case call>", "eval"), ns)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.update(_exc_info(exc))
        if isinstance(exc, _USER_ERRORS):
            text = str(exc).lower()
            named = any(w.lower() in text for w in case.get("expect", [])) and text.strip() != ""
            result.update(outcome="clean_error" if named else "unclear_error",
                          note="" if named else f"the message names none of {case.get('expect')}")
        else:
            result["outcome"] = "traceback"
        return
    arrays = [value] if isinstance(value, np.ndarray) else []
    if type(value).__name__ == "NetworkResult":
        arrays = [np.array([value.float_accuracy, value.digital_accuracy, value.analog_accuracy])]
    nan = any(a.dtype.kind in "fc" and not np.isfinite(a).all() for a in arrays)
    if case.get("invalid"):
        result.update(outcome="silent_wrong", note=f"an invalid argument was accepted (returned "
                                                   f"{type(value).__name__})")
    elif nan:
        result.update(outcome="silent_wrong", note="returned NaN or infinite values from finite inputs")
    else:
        result["outcome"] = "ok"


# ---- a pool of worker processes with a time limit per case --------------------------------------------------------

def _worker_main(conn, fix: str, hang_s: float) -> None:
    try:
        import resource

        limit = 8 << 30
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    os.chdir(REPO)
    fixd = files.make_fixtures(fix)
    import warnings

    warnings.simplefilter("ignore")
    execute({"category": "warmup", "kind": "toml", "text": "[workload]\nvectors = 4\nin_features = 8\n"
                                                           "out_features = 8\n"}, fixd)
    conn.send("ready")
    while True:
        try:
            case = conn.recv()
        except EOFError:
            return
        if case is None:
            return
        with open(fixd / "hang-stack.txt", "w") as stack_file:  # reopened: a case may close a file descriptor
            fd = os.dup(stack_file.fileno())  # its own: a case that closes the file's and opens one writes no stack
            faulthandler.enable(file=fd)  # a fatal signal (a crash) leaves its stack there too
            faulthandler.dump_traceback_later(max(0.5, hang_s - 1.0), repeat=False, file=fd)
            result = execute(case, fixd)
            faulthandler.cancel_dump_traceback_later()
            faulthandler.disable()
            with contextlib.suppress(OSError):
                os.close(fd)
        conn.send(result)


def _hang_where(fix: Path, crash: bool = False) -> str:
    """the cimsim frame of a hang's stack dump, or of a crash's (``crash``: the fatal signal's section alone, after a
    hang's dump the same case may have left), '?' where there is none"""
    try:
        text = (fix / "hang-stack.txt").read_text(errors="replace")
    except OSError:
        return "?"
    if crash:
        text = text.partition("Fatal Python error")[2]
    for line in text.splitlines():  # most recent call first
        m = re.search(r'File "([^"]+)", line (\d+) in (\S+)', line)
        if m and "/cimsim/" in m.group(1):
            return f"{_short(m.group(1))}:{m.group(2)} in {m.group(3)}"
    return "?"


class _Worker:
    def __init__(self, ctx, root: Path, index: int, hang_s: float):
        self.fix = root / f"worker{index}-{time.monotonic_ns()}"
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, str(self.fix), hang_s), daemon=True)
        self.proc.start()
        child.close()
        self.case: dict | None = None
        self.started = 0.0
        if not self.conn.poll(120):
            raise RuntimeError("a fuzz worker did not start")
        self.conn.recv()

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


class Pool:
    """``workers`` processes running cases; a case without an answer within ``hang_s`` is a hang (its worker is
    killed, its stack dumped just before, and a fresh worker started)."""

    def __init__(self, workers: int = 2, hang_s: float = 10.0):
        self.workers, self.hang_s = workers, hang_s
        for k, v in THREAD_ENV.items():
            os.environ.setdefault(k, v)
        self.root = Path(tempfile.mkdtemp(prefix="cimsim-fuzz-"))
        self.ctx = mp.get_context("spawn")
        self.pool = [_Worker(self.ctx, self.root, i, hang_s) for i in range(workers)]
        self.restarts = 0

    def close(self) -> None:
        for w in self.pool:
            w.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _replace(self, i: int) -> None:
        self.pool[i].stop(kill=True)
        self.pool[i] = _Worker(self.ctx, self.root, i, self.hang_s)
        self.restarts += 1

    def run(self, cases, progress=None):
        """Yield ``(case, result)`` for every case (in completion order). A case without an answer within
        ``hang_s`` runs once more in a fresh worker (a kernel's first compile in a restarted worker can take that
        long; its result then carries a note) and is a hang only when it hangs again."""
        queue = list(cases)[::-1]
        retried: dict[int, str] = {}
        while queue or any(w.case is not None for w in self.pool):
            for w in self.pool:
                if w.case is None and queue:
                    w.case, w.started = queue.pop(), time.monotonic()
                    w.conn.send(w.case)
            busy = [w for w in self.pool if w.case is not None]
            ready = wait([w.conn for w in busy], timeout=0.05)
            for i, w in enumerate(self.pool):
                if w.case is None:
                    continue
                case = w.case
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        w.proc.join(1)  # reaped: the pipe can close before the process ends
                        code = w.proc.exitcode
                        result = {"outcome": "crash", "stage": "?", "exc_type": f"worker exit code {code}",
                                  "message": "the worker process died", "last_tb_line": "",
                                  "where": _hang_where(w.fix, crash=True),
                                  "seconds": round(time.monotonic() - w.started, 2)}
                        w.case = None
                        self._replace(i)
                        yield case, result
                        continue
                    w.case = None
                    if id(case) in retried:
                        result["note"] = (f"{result.get('note', '')}; " * bool(result.get("note")) + "no answer "
                                          f"within {self.hang_s:g} s at first (stack in {retried[id(case)]}), "
                                          "answered in a fresh worker")
                    yield case, result
                elif time.monotonic() - w.started > self.hang_s:
                    where = _hang_where(w.fix)
                    w.case = None
                    self._replace(i)
                    if id(case) not in retried:  # once more in a fresh worker: a first compile is not a hang
                        retried[id(case)] = where
                        queue.append(case)
                        continue
                    yield case, {"outcome": "hang", "stage": "?", "exc_type": "Hang", "where": where,
                                 "message": f"no answer within {self.hang_s:g} s, twice", "last_tb_line": "",
                                 "seconds": self.hang_s}


# ---- the command line ----------------------------------------------------------------------------------------

def _cimsim_exe() -> list[str]:
    exe = Path(sys.executable).with_name("cimsim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cimsim.cli"]


def _classify_cli(proc_or_none, timeout: float, expect_ok: bool, validated: bool) -> dict:
    if proc_or_none is None:
        return {"outcome": "hang", "exc_type": "Hang", "message": f"no exit within {timeout:g} s", "where": "cli"}
    rc, out, err = proc_or_none.returncode, proc_or_none.stdout, proc_or_none.stderr
    both = out + err
    tail = [ln for ln in err.strip().splitlines() if ln.strip()]
    info = {"rc": rc, "stderr": err[-1500:], "last_tb_line": tail[-1][:600] if tail else "", "where": "cli"}
    if "Traceback" in both:
        m = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', both)
        ours = [x for x in m if "/cimsim/" in x[0]]
        if ours:
            info["where"] = f"{_short(ours[-1][0])}:{ours[-1][1]} in {ours[-1][2]}"
        info["exc_type"] = tail[-1].split(":")[0] if tail else "?"
        return {"outcome": "traceback", **info}
    if rc < 0:
        return {"outcome": "crash", "exc_type": f"signal {-rc}", **info}
    if rc == 0:
        return {"outcome": "ok", **info}
    clean_lines = bool(tail) and all(ln.startswith("error:") or ln.startswith("Usage:") or ln.startswith("Try ")
                                     for ln in tail)
    info["exc_type"] = f"exit {rc}"
    if validated:
        return {"outcome": "validated_then_failed", **info}
    if not clean_lines:
        return {"outcome": "unclear_error", "note": "stderr lines other than 'error: ...'", **info}
    if rc != 2:
        return {"outcome": "wrong_exit", "note": f"exit {rc} for a bad input (expected 2)", **info}
    return {"outcome": "clean_error", **info}


def run_cli(case: dict, fix: Path, runnable_hint: bool, timeout: float = 10.0, tag: str = "0") -> list[dict]:
    """``cimsim validate`` on a toml case, then ``cimsim estimate`` if it validated, and ``cimsim run -o`` if it is
    small too: one result each."""
    import json

    fix = Path(fix)
    case_dir = fix / f"case{tag}"
    if case.get("files"):
        _write_case_files(case, case_dir)
    path = fix / f"case{tag}.toml"
    path.write_bytes(_case_text(case, fix, case_dir))
    env = {**os.environ, **THREAD_ENV}
    out = []

    def call(args):
        try:
            return subprocess.run(_cimsim_exe() + args, capture_output=True, text=True, timeout=timeout, env=env,
                                  cwd=fix, errors="replace")
        except subprocess.TimeoutExpired:
            return None

    t0 = time.monotonic()
    proc = call(["validate", str(path)])
    res = _classify_cli(proc, timeout, False, False)
    res.update(command="validate", seconds=round(time.monotonic() - t0, 3))
    out.append(res)
    if res["outcome"] == "ok":  # a valid config is priced from its shapes, every time
        t0 = time.monotonic()
        est = _classify_cli(call(["estimate", str(path)]), timeout, True, True)
        est.update(command="estimate", seconds=round(time.monotonic() - t0, 3))
        out.append(est)
    if res["outcome"] == "ok" and runnable_hint:
        report = fix / f"report{tag}.json"
        report.unlink(missing_ok=True)
        t0 = time.monotonic()
        proc = call(["run", str(path), "-o", str(report)])
        res = _classify_cli(proc, timeout, True, True)
        if res["outcome"] == "ok":
            try:
                problem = _report_problem(json.loads(report.read_text()))
            except (OSError, ValueError) as exc:
                problem = f"no readable report: {exc}"
            if problem:
                res.update(outcome="silent_wrong", note=problem)
        res.update(command="run", seconds=round(time.monotonic() - t0, 3))
        out.append(res)
    return out


def reproducer(case: dict) -> dict:
    """What to put in a report to rerun the case by hand."""
    kind = case["kind"]
    if kind == "toml":
        text = case["text"]
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                text = repr(text)
        if len(text) > 4000:
            text = text[:2000] + f"\n... [{len(text) - 4000} characters left out] ...\n" + text[-2000:]
        rep = {"toml": text}
        if case.get("files"):
            rep["files"] = case["files"]
        return rep
    if kind == "dict":
        r = repr(case["data"])
        return {"call": "config_from_dict(" + (r if len(r) < 4000 else r[:4000] + "...") + ")"}
    if kind == "overrides":
        return {"call": f"with_overrides(small_base({case['base']!r}), {case['overrides']!r})"[:4000]}
    return {"code": case["code"]}
