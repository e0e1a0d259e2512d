"""Fuzz cimsim's inputs: 22 000+ seeded cases through the public API, and a sample through the CLI (docs/robustness.md).

    python benchmarks/fuzz_configs.py                        # full run (about 5-15 min on 2 cores)
    python benchmarks/fuzz_configs.py --scale 0.05 --cli 30   # a quick look (writes only with --output)
    python benchmarks/fuzz_configs.py --replay 1234          # rerun one case in this process, traceback shown

Cases come from the hypothesis strategies of ``tests/fuzz/strategies.py``, drawn reproducibly (``--seed``), per
category (``COUNTS``). Each runs in a worker process (``tests/fuzz/runner.py``) with a time limit (``--hang``,
10 s), and is classified: ok, ok_not_run, clean_error, unclear_error, traceback, hang, crash,
validated_then_failed, silent_wrong (see the runner's module doc). A seeded sample of ``--cli`` config cases goes
through ``cimsim validate`` and, where it validated and is small, ``cimsim run -o`` (10 s each).

Prints a table (category x outcome) and the failure signatures (outcome, exception type, innermost cimsim frame),
most frequent first; writes every non-clean case with its reproducer to ``--output`` (JSON; a full run's default
the record, benchmarks/results/fuzz_configs.json).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from cimsim.atomic import write_atomic  # noqa: E402

COUNTS = {"schema_toml": 5000, "schema_dict": 3000, "keys": 2000, "file_mutation": 4000, "data_files": 2500,
          "network_files": 1500, "overrides": 1500, "api": 1000, "sweep_specs": 1000, "macro_files": 1000}
"""cases per category in a full run (22 500)"""


def generate(seed: int, scale: float) -> list[dict]:
    try:
        from fuzz.strategies import cases_of
    except ImportError as exc:  # hypothesis, of the test extra
        sys.exit(f"fuzz_configs.py needs the test extra (pip install '.[test]'): {exc}")

    cases = []
    for k, (category, n) in enumerate(COUNTS.items()):
        for c in cases_of(category, max(1, round(n * scale)), seed * 100 + k):
            c["id"] = len(cases)
            cases.append(c)
    return cases


def _signature(r: dict) -> tuple[str, str, str]:
    where = r.get("where") or "?"
    where = where.rsplit(":", 1)[0] + " in " + where.rsplit(" in ", 1)[-1] if ":" in where else where
    return r["outcome"], r.get("exc_type") or "-", where


def table(rows: dict[str, collections.Counter], outcomes: list[str]) -> str:
    used = [o for o in outcomes if any(c[o] for c in rows.values())]
    lines = ["| category | cases | " + " | ".join(used) + " |", "|---|---:|" + "---:|" * len(used)]
    total = collections.Counter()
    for name, c in rows.items():
        total.update(c)
        lines.append(f"| {name} | {sum(c.values())} | " + " | ".join(str(c[o]) for o in used) + " |")
    lines.append(f"| **all** | {sum(total.values())} | " + " | ".join(str(total[o]) for o in used) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of COUNTS to draw (1: 22 500 cases)")
    ap.add_argument("--cli", type=int, default=300, help="config cases also run through the CLI")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hang", type=float, default=10.0, help="seconds after which a case is a hang")
    ap.add_argument("--output", default=None, help="JSON of the non-clean cases (default: the record "
                    "benchmarks/results/fuzz_configs.json for a full run, --scale 1; none for a smaller one, which "
                    "had overwritten the record)")
    ap.add_argument("--replay", type=int, default=None, help="run case ID in this process and show what happens")
    args = ap.parse_args(argv)
    for name, low in (("workers", 1), ("cli", 0), ("hang", 0.1), ("scale", 1e-9)):
        if not getattr(args, name) >= low:  # (0 workers had waited for ever on an empty pool)
            ap.error(f"--{name} must be at least {low:g}; got {getattr(args, name)}")

    from fuzz import runner

    t0 = time.monotonic()
    cases = generate(args.seed, args.scale)
    t_gen = time.monotonic() - t0
    if args.replay is not None:
        if not 0 <= args.replay < len(cases):
            ap.error(f"--replay takes a case id in [0, {len(cases) - 1}] (seed {args.seed}, scale {args.scale:g}); "
                     f"got {args.replay}")
        return _replay(cases[args.replay])
    print(f"{len(cases)} cases generated in {t_gen:.1f} s (seed {args.seed})", flush=True)

    results: dict[int, dict] = {}
    t1 = time.monotonic()
    with runner.Pool(args.workers, args.hang) as pool:
        for n, (case, res) in enumerate(pool.run(cases), 1):
            results[case["id"]] = res
            if n % 2000 == 0:
                print(f"  {n}/{len(cases)} cases, {time.monotonic() - t1:.0f} s", flush=True)
        restarts = pool.restarts
    t_api = time.monotonic() - t1

    # the CLI on a seeded sample of config (toml) cases
    rng = random.Random(args.seed)
    toml_cases = [c for c in cases if c["kind"] == "toml"]
    sample = rng.sample(toml_cases, min(args.cli, len(toml_cases)))
    cli_results: dict[int, list[dict]] = {}
    t2 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cimsim-fuzz-cli-") as tmp:
        from fuzz.files import make_fixtures

        fix = make_fixtures(Path(tmp) / "fix")

        def one(c):
            return c["id"], runner.run_cli(c, fix, bool(results[c["id"]].get("runnable")), args.hang, str(c["id"]))

        with ThreadPoolExecutor(args.workers) as ex:
            for cid, res in ex.map(one, sample):
                cli_results[cid] = res
    t_cli = time.monotonic() - t2

    # summary
    rows: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    sigs: dict[tuple, list[int]] = collections.defaultdict(list)
    by_id = {c["id"]: c for c in cases}
    for cid, r in results.items():
        rows[by_id[cid]["category"]][r["outcome"]] += 1
        if r["outcome"] not in runner.CLEAN:
            sigs[_signature(r)].append(cid)
    cli_rows: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for cid, rs in cli_results.items():
        for r in rs:
            cli_rows[f"cli {r['command']}"][r["outcome"]] += 1
            if r["outcome"] not in runner.CLEAN:
                sigs[("cli " + r["command"] + ": " + r["outcome"], r.get("exc_type") or "-", r.get("where") or "?")
                     ].append(cid)
    print()
    print(table(dict(rows), runner.OUTCOMES))
    print()
    print(table(dict(cli_rows), runner.OUTCOMES))
    n_cli = sum(len(v) for v in cli_results.values())
    print(f"\n{len(cases)} API cases in {t_api:.0f} s ({restarts} worker restarts), {n_cli} CLI runs of "
          f"{len(sample)} cases in {t_cli:.0f} s, generation {t_gen:.0f} s")
    ranked = sorted(sigs.items(), key=lambda kv: -len(kv[1]))
    print(f"\n{len(ranked)} distinct failure signatures (outcome, exception, where), most frequent first:")
    for (outcome, exc, where), ids in ranked[:40]:
        first = results.get(ids[0], {})
        msg = ((first.get("message") or first.get("note") or "").splitlines() or [""])[0][:110] if first else ""
        print(f"  {len(ids):5d}  {outcome:22s} {exc:22s} {where}  e.g. case {ids[0]}: {msg}")

    non_clean = []
    for cid, r in sorted(results.items()):
        cli = [x for x in cli_results.get(cid, []) if x["outcome"] not in runner.CLEAN]
        if r["outcome"] in runner.CLEAN and not cli:
            continue
        c = by_id[cid]
        non_clean.append({"id": cid, "category": c["category"], **{k: v for k, v in r.items()},
                          "cli": cli_results.get(cid, []), "reproducer": runner.reproducer(c)})
    out = {
        "meta": {"seed": args.seed, "scale": args.scale, "cases": len(cases), "cli_cases": len(sample),
                 "cli_runs": n_cli, "workers": args.workers, "hang_s": args.hang, "seconds": {
                     "generate": round(t_gen, 1), "api": round(t_api, 1), "cli": round(t_cli, 1)},
                 "python": platform.python_version(), "placeholders": {
                     "@FIX@": "fixture folder written by tests/fuzz/files.py make_fixtures()",
                     "@CASE@": "the case's folder, holding its 'files' (tests/fuzz/files.py build_file)",
                     "@DATA@": "src/cimsim/data"},
                 "replay": "python benchmarks/fuzz_configs.py --seed SEED --scale SCALE --replay ID"},
        "summary": {k: dict(v) for k, v in rows.items()},
        "cli_summary": {k: dict(v) for k, v in cli_rows.items()},
        "signatures": [{"outcome": o, "exc_type": e, "where": w, "count": len(ids), "case_ids": ids[:20],
                        "reproducer": runner.reproducer(by_id[ids[0]]),
                        "message": (results.get(ids[0], {}).get("message") or results.get(ids[0], {}).get("note")
                                    or "")[:600]}
                       for (o, e, w), ids in ranked],
        "cases": non_clean,
    }
    output = args.output or (str(ROOT / "benchmarks/results/fuzz_configs.json") if args.scale == 1 else None)
    if output is None:
        print(f"\n{len(non_clean)} non-clean cases, written nowhere (a run at --scale {args.scale:g}: give --output)")
        return 0
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output, json.dumps(out, indent=1, default=repr, ensure_ascii=True))
    print(f"\nwrote {len(non_clean)} non-clean cases to {output}")
    return 0


def _replay(case: dict) -> int:
    """run one case in this process with full tracebacks (no time limit)"""
    import traceback

    from fuzz import runner

    print(json.dumps(runner.reproducer(case), indent=1, default=repr)[:6000])
    with tempfile.TemporaryDirectory() as tmp:
        from fuzz.files import make_fixtures

        fix = make_fixtures(Path(tmp) / "fix")
        os.chdir(ROOT)
        res = runner.execute(case, fix)
        print(json.dumps(res, indent=1, default=repr))
        if res.get("exc_type"):
            print("(rerun the reproducer by hand for the full traceback)")
    traceback.print_stack(limit=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
