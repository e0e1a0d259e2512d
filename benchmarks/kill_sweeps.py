"""Kill sweeps with SIGKILL at random moments, resume them, and check every finished file.

    python benchmarks/kill_sweeps.py                 # 200+ kills (about 10-15 min on 2 cores)
    python benchmarks/kill_sweeps.py --quick         # 20 kills, a smoke run (prints only, unless -o)
    python benchmarks/kill_sweeps.py --kills 500 --seed 3 -o /tmp/kills.md

The code under test is a copy of ``src/cimsim`` taken at the start (first on PYTHONPATH for every process
started here), so edits to the checkout during the run cannot change a point's numbers. Two sweeps are built in
a temporary directory from ``configs/default.toml``: an analytic one (2880 points, batches of up to 64 rows per
task) and a functional one (60 small points, one row per task). Each is run once
uninterrupted, locally and on a ``dask.distributed.LocalCluster`` (2 worker processes, started once by this
script): the local file is the reference, the Dask file must equal it byte for byte, and the wall times give
the expected run time T of each (sweep, executor).

Then, run after run, the same ``cimsim sweep`` command is started into a fresh output as a subprocess in its own
process group and killed with SIGKILL at a seeded moment, uniform over [0, T] (one kill in eight instead waits
until every row is in the file, plus 0-50 ms: the final read-back, rewrite and exit). The same command is run
again (a resume), killed again the same way, until one completes (after ``--kills-per-run`` kills it is left to
finish). Each run uses one of three modes, the one with the fewest kills so far:

- ``parent``: SIGKILL to the sweep process only (its local workers are orphaned and must exit by themselves);
- ``group``: SIGKILL to the process group (the sweep and its local worker processes);
- ``dask``: the sweep runs with ``--scheduler`` on the LocalCluster; SIGKILL to the sweep (client) process.

After each kill: the file's state (sound rows, a cut-short last line, damaged or duplicated rows) and whether the
lock sidecar can be taken at once (``flock``, non-blocking). After each resume that was not killed: exit code
0, and the count of rows it took from the earlier run equals the sound rows left by the kill. After each
completed run: the file equals the reference byte for byte; it has every point once, no cut-short or damaged
line, every checksum valid (recomputed here from docs/sweeps.md, not with cimsim's function); every sound row
seen after a kill is in it verbatim; the lock sidecar is gone. At the end: no process of any started group is
still running, no temporary file left next to the outputs.

Prints a Markdown summary and writes it to ``-o`` (default ``benchmarks/results/kill_sweeps.md``; with
``--quick`` only when ``-o`` is given). Exit status 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import fcntl
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cimsim.atomic import write_atomic

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "configs" / "default.toml").as_posix()
RESULTS = ROOT / "benchmarks" / "results" / "kill_sweeps.md"
MODES = ("parent", "group", "dask")
TAIL_SHARE = 1 / 8
"""share of kills that wait for every row to be in the file (then 0-50 ms): the final rewrite and exit"""

SPECS = {
    # 5 x 3 x 16 x 4 x 3 = 2880 points, priced from shapes (about 2 ms each), in tasks of up to 64 rows
    "analytic": f"""
base = "{DEFAULT}"
kind = "analytic"
[axes]
"adc.bits" = [4, 5, 6, 7, 8]
"device.bits_per_cell" = [1, 2, 4]
"array.rows_per_read" = {{ start = 16, stop = 256, step = 16 }}
"dac.input_bits" = [4, 5, 6, 8]
"adc.cols_per_adc" = [2, 4, 8]
""",
    # 5 x 3 x 4 = 60 points, each simulated on 64 vectors (about 0.1 s), one row per task
    "functional": f"""
base = "{DEFAULT}"
kind = "functional"
objectives = ["relative_error", "snr_db", "energy_pj", "latency_ns", "area_mm2", "tops_per_w"]
[axes]
"adc.bits" = [4, 5, 6, 7, 8]
"device.bits_per_cell" = [1, 2, 4]
"array.rows_per_read" = [64, 128, 192, 256]
[set]
"workload.vectors" = 64
""",
}


# ---------------------------------------------------------------------------------------------------- checking
def row_checksum(cells: list[str]) -> str:
    """docs/sweeps.md: sha256 of the other cells as a compact JSON array of strings, first 16 hex digits."""
    text = json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class FileState:
    """What a results file holds, checked independently of cimsim."""

    exists: bool = False
    header: list[str] = field(default_factory=list)
    sound: dict[str, str] = field(default_factory=dict)
    """point id -> the line (without its newline), first sound row of each id"""
    lines: int = 0
    """data lines (not counting the header), whole or not"""
    cut_short: int = 0
    """a last line without its newline"""
    bad_fields: int = 0
    bad_checksum: int = 0
    duplicates: int = 0


def inspect(path: Path) -> FileState:
    state = FileState()
    if not path.exists():
        return state
    state.exists = True
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines[-1]:
        state.cut_short = 1
    whole = lines[:-1]
    if not whole:
        return state
    state.header = next(csv.reader([whole[0]]))
    for line in whole[1:]:
        state.lines += 1
        cells = next(csv.reader([line]), [])
        if len(cells) != len(state.header):
            state.bad_fields += 1
            continue
        if row_checksum(cells[:-1]) != cells[-1]:
            state.bad_checksum += 1
            continue
        if cells[0] in state.sound:
            state.duplicates += 1
            continue
        state.sound[cells[0]] = line
    state.lines += state.cut_short
    return state


def lock_free(output: Path) -> bool:
    """Whether the sweep lock of ``output`` can be taken at once (released again here)."""
    sidecar = output.with_name(output.name + ".lock")
    try:
        fd = os.open(sidecar, os.O_RDWR)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing the descriptor releases the lock
    return True


def group_alive(pgid: int) -> list[str]:
    """Processes of group ``pgid`` still running (zombies left out): 'pid cmd' each."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:80]
                found.append(f"{entry.name} {cmd}")
        except (OSError, ValueError):
            continue
    return found


# ---------------------------------------------------------------------------------------------------- running
@dataclass
class Tally:
    runs: int = 0
    kills: int = 0
    attempts: int = 0
    resumes_max: int = 0
    by_phase: Counter = field(default_factory=Counter)
    by_spec: Counter = field(default_factory=Counter)


@dataclass
class Totals:
    completed: int = 0
    identical: int = 0
    lost: int = 0
    duplicated: int = 0
    torn: int = 0
    corrupted: int = 0
    kept_rows_changed: int = 0
    resume_skip_mismatch: int = 0
    lock_busy_after_kill: int = 0
    lock_refused_resume: int = 0
    sidecar_left: int = 0
    cut_short_after_kill: int = 0
    damaged_after_kill: int = 0
    unkilled_failures: int = 0
    over_resumes: int = 0
    problems: list[str] = field(default_factory=list)


class Bench:
    def __init__(self, args, work: Path, scheduler: str | None):
        self.args, self.work, self.scheduler = args, work, scheduler
        self.rng = random.Random(args.seed)
        self.tally = {m: Tally() for m in MODES}
        self.totals = Totals()
        self.pgids: list[int] = []
        self.specs: dict[str, Path] = {}
        self.ids: dict[str, list[str]] = {}
        self.reference: dict[str, bytes] = {}
        self.expected: dict[tuple[str, bool], float] = {}
        self.serial = 0
        self.stray_tmp = 0
        self.code = ""

    def command(self, spec: str, output: Path, dask: bool) -> list[str]:
        cmd = [sys.executable, "-m", "cimsim.cli", "sweep", str(self.specs[spec]), "-o", str(output)]
        return cmd + (["--scheduler", self.scheduler] if dask else ["--workers", "2"])

    def start(self, cmd: list[str], log: Path) -> subprocess.Popen:
        with open(log, "wb") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.work)
        self.pgids.append(proc.pid)
        return proc

    def prepare(self) -> None:
        for name, text in SPECS.items():
            path = self.work / f"{name}.toml"
            path.write_text(text)
            self.specs[name] = path
        for name in SPECS:
            for dask in (False, True):
                if dask and self.scheduler is None:
                    continue
                out = self.work / f"ref-{name}-{'dask' if dask else 'local'}.csv"
                log = out.with_suffix(".log")
                t0 = time.perf_counter()
                proc = self.start(self.command(name, out, dask), log)
                rc = proc.wait()
                self.expected[(name, dask)] = time.perf_counter() - t0
                if rc != 0:
                    sys.exit(f"reference run failed ({rc}): {log.read_text()}")
                data = out.read_bytes()
                if not dask:
                    self.reference[name] = data
                    self.ids[name] = list(inspect(out).sound)
                elif data != self.reference[name]:
                    self.problem(f"reference: the uninterrupted Dask file of {name} differs from the local one")
                    self.totals.corrupted += 1

    def problem(self, text: str) -> None:
        self.totals.problems.append(text)
        print(f"  PROBLEM: {text}", file=sys.stderr, flush=True)

    def kill_moment(self, spec: str, dask: bool, output: Path) -> tuple[str, float]:
        """('time', seconds after the start) or ('tail', delay after every row is in the file)."""
        if self.rng.random() < TAIL_SHARE and len(inspect(output).sound) < len(self.ids[spec]):
            return "tail", self.rng.uniform(0.0, 0.05)
        return "time", self.rng.uniform(0.0, self.expected[(spec, dask)])

    def wait_or_kill(self, proc: subprocess.Popen, how: str, moment: float, output: Path, total: int) -> None:
        """Let ``proc`` run until the moment, then return (it may have finished by itself)."""
        if how == "time":
            try:
                proc.wait(timeout=moment)
            except subprocess.TimeoutExpired:
                pass
            return
        lines = total + 1
        while proc.poll() is None:
            try:
                if output.read_bytes().count(b"\n") >= lines:
                    time.sleep(moment)
                    return
            except FileNotFoundError:
                pass
            time.sleep(0.002)

    def one_run(self, mode: str) -> None:
        tally = self.tally[mode]
        spec = ("analytic", "functional")[tally.runs % 2]
        dask = mode == "dask"
        self.serial += 1
        out = self.work / f"run{self.serial:04d}" / "results.csv"
        out.parent.mkdir()
        cmd, total = self.command(spec, out, dask), len(self.ids[spec])
        kills = attempts = 0
        seen: dict[str, str] = {}  # sound rows seen after kills: must reach the final file verbatim
        left = None  # sound rows the last kill left in the file
        while True:
            attempts += 1
            if attempts > self.args.max_resumes + 1:
                self.totals.over_resumes += 1
                self.problem(f"run {self.serial} ({mode}, {spec}): not complete after {self.args.max_resumes} resumes")
                break
            may_kill = kills < self.args.kills_per_run
            how, moment = self.kill_moment(spec, dask, out) if may_kill else ("none", 0.0)
            log = out.parent / f"attempt{attempts}.log"
            proc = self.start(cmd, log)
            if may_kill:
                self.wait_or_kill(proc, how, moment, out, total)
                if proc.poll() is None:
                    if mode == "group":
                        os.killpg(proc.pid, signal.SIGKILL)
                    else:
                        os.kill(proc.pid, signal.SIGKILL)
            rc = proc.wait()
            if rc == -signal.SIGKILL:
                kills += 1
                state = inspect(out)
                phase = ("no row yet" if not state.sound else "appending rows" if len(state.sound) < total
                         else "final rewrite done" if out.read_bytes() == self.reference[spec]
                         else "all rows in, not yet rewritten")
                tally.by_phase[phase] += 1
                tally.by_phase[f"trigger {how}"] += 1
                self.totals.cut_short_after_kill += state.cut_short
                self.totals.damaged_after_kill += state.bad_fields + state.bad_checksum + state.duplicates
                for pid, line in state.sound.items():
                    seen.setdefault(pid, line)
                left = len(state.sound)
                if not lock_free(out):
                    self.totals.lock_busy_after_kill += 1
                    self.problem(f"run {self.serial} ({mode}): lock sidecar still held right after the kill")
                continue
            text = log.read_text(errors="replace")
            if rc != 0:
                if "another sweep" in text:
                    self.totals.lock_refused_resume += 1
                self.totals.unkilled_failures += 1
                self.problem(f"run {self.serial} ({mode}, {spec}) attempt {attempts}: exit {rc}: {text[-300:]!r}")
                continue
            if left is not None and f"; {left} of them from an earlier run;" not in text:
                self.totals.resume_skip_mismatch += 1
                self.problem(f"run {self.serial} ({mode}, {spec}): {left} sound rows left by the kill, "
                             f"but the resume said: {text.strip()[-200:]!r}")
            break
        tally.runs += 1
        tally.kills += kills
        tally.attempts += attempts
        tally.resumes_max = max(tally.resumes_max, attempts - 1)
        tally.by_spec[spec] += kills
        self.check_final(out, spec, seen, mode)
        print(f"run {self.serial:4d} {mode:6s} {spec:10s} kills {kills} resumes {attempts - 1}   "
              f"total kills {self.kills()}", flush=True)
        shutil.rmtree(out.parent)

    def check_final(self, out: Path, spec: str, seen: dict[str, str], mode: str) -> None:
        t = self.totals
        t.completed += 1
        data = out.read_bytes() if out.exists() else b""
        if data == self.reference[spec]:
            t.identical += 1
        else:
            failed = [line for line in data.decode(errors="replace").splitlines() if ",failed," in line]
            self.problem(f"run {self.serial} ({mode}, {spec}): the completed file differs from the reference"
                         + (f"; {len(failed)} failed rows, the first: {failed[0][:300]}" if failed else ""))
        state = inspect(out)
        ids = self.ids[spec]
        lost = len(set(ids) - set(state.sound))
        t.lost += lost
        t.duplicated += state.duplicates
        t.torn += state.cut_short + state.bad_fields
        t.corrupted += state.bad_checksum
        changed = sum(state.sound.get(pid) != line for pid, line in seen.items())
        t.kept_rows_changed += changed
        if lost or state.duplicates or state.cut_short or state.bad_fields or state.bad_checksum or changed:
            self.problem(f"run {self.serial} ({mode}, {spec}): lost {lost}, duplicated {state.duplicates}, torn "
                         f"{state.cut_short + state.bad_fields}, bad checksums {state.bad_checksum}, rows changed "
                         f"after a kill {changed}")
        if out.with_name(out.name + ".lock").exists():
            t.sidecar_left += 1
            self.problem(f"run {self.serial} ({mode}): lock sidecar left after a completed run")
        stray = [p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")]
        self.stray_tmp += len(stray)
        if stray:
            self.problem(f"run {self.serial} ({mode}): temporary files left next to a completed output: "
                         f"{', '.join(sorted(stray))}")

    def kills(self) -> int:
        return sum(t.kills for t in self.tally.values())

    def run(self) -> None:
        while self.kills() < self.args.kills:
            mode = min(MODES if self.scheduler else MODES[:2], key=lambda m: (self.tally[m].kills, MODES.index(m)))
            self.one_run(mode)

    def strays(self) -> list[str]:
        deadline = time.monotonic() + 5  # orphaned local workers poll for their parent once a second
        while True:
            alive = [p for pgid in self.pgids for p in group_alive(pgid)]
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.25)


def freeze(work: Path) -> str:
    """Copy ``src/cimsim`` into ``work`` and put it first on PYTHONPATH for every process started from here on
    (the sweeps, their workers, the Dask cluster): edits to the checkout during the run cannot change the numbers
    (a point failing on a half-edited file would be kept as a failed row). Returns what was copied, in words."""
    shutil.copytree(ROOT / "src" / "cimsim", work / "src" / "cimsim")  # __pycache__ too: numba's cache stays valid
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(work / "src"), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(work / "src"))  # multiprocessing's spawned children (the Dask nannies' workers) get ours
    found = subprocess.run([sys.executable, "-c", "import cimsim; print(cimsim.__file__)"], capture_output=True,
                           text=True, cwd=work).stdout.strip()
    if found != str(work / "src" / "cimsim" / "__init__.py"):
        sys.exit(f"cimsim is imported from {found!r}, not from the frozen copy")

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    head = git("rev-parse", "--short", "HEAD") or "unknown commit"
    return f"{head}{' + uncommitted changes' if git('status', '--porcelain', '--', 'src/cimsim') else ''}"


# ---------------------------------------------------------------------------------------------------- report
def machine_line() -> str:
    import distributed

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} "
            f"{platform.release()}, distributed {distributed.__version__}, "
            f"{datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}")


def report(bench: Bench, wall: float, strays: list[str], load: tuple[float, float, float]) -> tuple[str, bool]:
    a, t = bench.args, bench.totals
    out = ["# kill -9 sweeps: measured", "",
           f"`python benchmarks/kill_sweeps.py --kills {a.kills} --seed {a.seed}` on {machine_line()}; "
           f"load average {load[0]:.2f} at the start (other work on the machine slows runs, not the checks). "
           f"Code under test: `src/cimsim` at {bench.code}, copied at the start.", "",
           "Sweeps (built from `configs/default.toml`; expected run time T = one uninterrupted run, wall clock):", ""]
    for name in SPECS:
        times = ", ".join(f"{'Dask' if d else 'local, 2 workers'} {bench.expected[(name, d)]:.1f} s"
                          for d in (False, True) if (name, d) in bench.expected)
        out.append(f"- {name}: {len(bench.ids[name])} points, T = {times}")
    out += ["", "Kills are SIGKILL at a seeded moment uniform over [0, T]; one in eight instead waits until every "
            "row is in the file (then 0-50 ms), to land in the final read-back and rewrite. Each run is killed "
            f"until a resume completes, at most {a.kills_per_run} times (then left to finish).", "",
            "| mode | what is killed | runs | kills | resumes / run (mean, max) | kills analytic / functional |",
            "|---|---|---:|---:|---|---|"]
    what = {"parent": "sweep process only (local workers orphaned)", "group": "process group (sweep + local workers)",
            "dask": "sweep client (`--scheduler`, LocalCluster 2 processes)"}
    for mode in MODES:
        m = bench.tally[mode]
        if not m.runs:
            continue
        out.append(f"| {mode} | {what[mode]} | {m.runs} | {m.kills} | {(m.attempts - m.runs) / m.runs:.2f}, "
                   f"{m.resumes_max} | {m.by_spec['analytic']} / {m.by_spec['functional']} |")
    runs = sum(m.runs for m in bench.tally.values())
    out.append(f"| **all** | | **{runs}** | **{bench.kills()}** | | |")
    phases = Counter()
    for m in bench.tally.values():
        phases.update(m.by_phase)
    order = ["no row yet", "appending rows", "all rows in, not yet rewritten", "final rewrite done"]
    out += ["", "Where the kills landed (file state right after the kill): " +
            ", ".join(f"{k} {phases[k]}" for k in order) +
            f"; triggered by time {phases['trigger time']}, by all rows in {phases['trigger tail']}.", "",
            "| check | count |", "|---|---:|",
            f"| completed runs | {t.completed} |",
            f"| completed files byte-identical to the uninterrupted reference | {t.identical} |",
            f"| lost rows (a point missing from a completed file) | {t.lost} |",
            f"| duplicated rows | {t.duplicated} |",
            f"| torn rows (cut short, wrong field count) in a completed file | {t.torn} |",
            f"| corrupted rows (checksum mismatch) in a completed file | {t.corrupted} |",
            f"| rows sound after a kill that changed or vanished by the end | {t.kept_rows_changed} |",
            f"| resumes whose skipped count differed from the sound rows left | {t.resume_skip_mismatch} |",
            f"| lock still held right after a kill / resume refused by the lock | {t.lock_busy_after_kill} / "
            f"{t.lock_refused_resume} |",
            f"| lock sidecar left after a completed run | {t.sidecar_left} |",
            f"| resumes that failed without being killed | {t.unkilled_failures} |",
            f"| runs needing more than {a.max_resumes} resumes | {t.over_resumes} |",
            f"| processes of the killed runs still running 5 s after the end | {len(strays)} |",
            f"| temporary files left next to completed outputs | {bench.stray_tmp} |",
            f"| kills that left a cut-short last line (repaired by the resume) | {t.cut_short_after_kill} |",
            f"| kills that left a damaged or duplicated line (repaired by the resume) | {t.damaged_after_kill} |",
            "", f"Total wall time {wall / 60:.1f} min ({wall:.0f} s), reference runs and cluster start included."]
    ok = (not t.problems and not strays and not bench.stray_tmp and t.identical == t.completed
          and bench.kills() >= a.kills)
    out += ["", "Result: **every check passed**." if ok else "Result: **PROBLEMS**:"]
    out += [f"- {p}" for p in t.problems] + [f"- still running: {s}" for s in strays]
    return "\n".join(out) + "\n", ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=None, help="kills to reach (default 200; --quick 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments (default 0)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 kills, writes no file unless -o")
    parser.add_argument("--max-resumes", type=int, default=10, help="resumes after which a run is reported (10)")
    parser.add_argument("--kills-per-run", type=int, default=6, help="kills of one run at most, then it may finish (6)")
    parser.add_argument("--no-dask", action="store_true", help="leave out the dask mode")
    parser.add_argument("-o", "--output", type=Path, default=None, help=f"Markdown report (default {RESULTS})")
    args = parser.parse_args()
    if args.kills is None:
        args.kills = 20 if args.quick else 200
    output = args.output or (None if args.quick else RESULTS)

    t0 = time.perf_counter()
    load = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="kill-sweeps-"))
    cluster = None
    try:
        code = freeze(work)
        scheduler = None
        if not args.no_dask:
            from distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                                   host="127.0.0.1", dashboard_address=None)
            scheduler = cluster.scheduler_address
            with Client(cluster) as client:  # the workers import the frozen copy too
                where = set(client.run(lambda: __import__("cimsim").__file__).values())
            if where != {str(work / "src" / "cimsim" / "__init__.py")}:
                sys.exit(f"the Dask workers import cimsim from {where}, not the frozen copy")
        bench = Bench(args, work, scheduler)
        bench.code = code
        bench.prepare()
        print("expected run times: " + ", ".join(f"{s}{'/dask' if d else ''} {v:.1f} s"
                                                for (s, d), v in bench.expected.items()), flush=True)
        bench.run()
        strays = bench.strays()
        for line in strays:  # clean up what should have exited by itself (reported)
            os.kill(int(line.split()[0]), signal.SIGKILL)
        text, ok = report(bench, time.perf_counter() - t0, strays, load)
    finally:
        if cluster is not None:
            cluster.close()
        shutil.rmtree(work, ignore_errors=True)
    print(text)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, text)
        print(f"wrote {output}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
