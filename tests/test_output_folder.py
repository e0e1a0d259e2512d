"""An output folder holds one run's files: compare -o DIR removes what an earlier run recorded there
(DIR/.cimsim-outputs.json) and this run did not write, keeps every file cimsim did not write, and says so."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from click.testing import CliRunner

from cimsim.cli import main
from cimsim.cli_checks import MANIFEST

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"
SMALL = ("--set", "workload.vectors=40")
PLOTS = ["area_breakdown.png", "energy_breakdown.png"]


def compare(out, *names):
    """``compare`` of configs named ``names`` (the default design) into ``out``: its result"""
    configs = []
    for name in names:
        configs.append(out.parent / f"{name}.toml")
        configs[-1].write_text(DEFAULT.read_text().replace('name = "default"', f'name = "{name}"', 1))
    result = CliRunner().invoke(main, ["compare", *map(str, configs), "-o", str(out), *SMALL])
    assert result.exit_code == 0, result.output
    return result


def files(out):
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))


def test_a_rerun_leaves_no_earlier_runs_folders_beside_its_report(tmp_path):
    """compare a b -o DIR then compare c -o DIR had left a/ and b/ (reports of another run) beside c's report"""
    out = tmp_path / "out"
    compare(out, "alpha", "beta")
    result = compare(out, "gamma")
    said = f"removed 2 folders of an earlier run in {out} that this run did not write: alpha/, beta/"
    assert said in result.stderr and said not in result.stdout  # a notice: stdout is the report (a cli probe)
    assert files(out) == sorted([MANIFEST, *PLOTS, "report.json", "report.md"])
    assert json.loads((out / "report.json").read_text())["name"] == "gamma"
    assert sorted(json.loads((out / MANIFEST).read_text())["files"]) == sorted([*PLOTS, "report.json", "report.md"])
    result = compare(out, "gamma")  # the same run again: nothing to remove
    assert "removed" not in result.output and "warning" not in result.output


def test_a_users_own_files_in_the_folder_are_kept(tmp_path):
    """only a file the manifest lists and that is still as cimsim wrote it is removed; a folder holding another
    file is kept; what is left is said"""
    out = tmp_path / "out"
    compare(out, "alpha", "beta")
    (out / "notes.txt").write_text("mine")
    (out / "alpha" / "notes.txt").write_text("mine too")
    with open(out / "beta" / "report.md", "a") as fh:
        fh.write("\nedited by hand\n")
    result = compare(out, "gamma")
    assert (out / "notes.txt").read_text() == "mine" and (out / "alpha" / "notes.txt").read_text() == "mine too"
    assert files(out / "alpha") == ["notes.txt"] and files(out / "beta") == ["report.md"]
    assert "removed 3 files of an earlier run" in result.output
    assert "beta/report.md (changed since an earlier run wrote it)" in result.output
    assert "alpha/ (holds files this run did not write)" in result.output


def test_a_rerun_with_plots_skipped_leaves_no_earlier_plot(tmp_path, monkeypatch):
    """without matplotlib, the earlier run's PNGs had stayed beside the new report, nothing saying they were stale"""
    out = tmp_path / "out"
    compare(out, "alpha")
    assert {p for p in PLOTS if (out / p).is_file()} == set(PLOTS)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    result = compare(out, "beta")
    assert "plots skipped" in result.stderr and "plots skipped" not in result.stdout
    said = f"removed 2 files of an earlier run in {out} that this run did not write: {', '.join(PLOTS)}"
    assert said in result.output
    assert files(out) == sorted([MANIFEST, "report.json", "report.md"])


def test_files_of_a_run_with_no_record_are_kept_and_said(tmp_path, monkeypatch):
    """plots no manifest lists (or a manifest that cannot be read, or one naming a path outside the folder) are
    kept, and a plot this run could have written but did not is named as not this run's"""
    out = tmp_path / "out"
    compare(out, "alpha")
    (out / MANIFEST).unlink()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = compare(out, "beta")
    assert "energy_breakdown.png (no record of which run wrote it)" in result.output
    assert "removed" not in result.output and set(PLOTS) <= set(files(out))
    (tmp_path / "outside.txt").write_text("not in the folder")
    (out / MANIFEST).write_text(json.dumps({"files": {"../outside.txt": [17, 0], str(tmp_path / "outside.txt"): []}}))
    result = compare(out, "beta")
    assert (tmp_path / "outside.txt").is_file() and "removed" not in result.output
    (out / MANIFEST).write_text("{not json")
    result = compare(out, "beta")
    assert f"{out / MANIFEST} is not a record of files cimsim can read" in result.output
    assert json.loads((out / MANIFEST).read_text())["files"].keys() == {"report.json", "report.md"}


def test_a_folder_named_in_another_case_is_another_runs_where_cases_differ(tmp_path):
    """names compared ignoring case had kept Net/ beside net/ on a file system that tells them apart, unrecorded
    from then on; where the file system ignores case they are one folder, and kept"""
    out = tmp_path / "out"
    compare(out, "Net", "other")
    compare(out, "net", "other")
    case_sensitive = not (tmp_path / "NET.toml").exists()  # net.toml was written above
    assert (out / "Net").exists() != case_sensitive and (out / "net" / "report.md").is_file()
