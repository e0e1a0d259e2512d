"""What users read, fed odd but legal names and tables: a Pareto table keeps its columns, a ragged results table is
named, a '$' in a name is drawn as written, a name that would cut a report's heading is refused."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.config import config_from_dict
from cimsim.errors import ConfigError


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_pareto_cell_holding_a_pipe_keeps_the_tables_columns(tmp_path):
    # a legal file name 'r|g.onnx' as an axis value had split its cell: 6 cells under a 5-column header
    table = tmp_path / "r.csv"
    table.write_text("point_id,workload.network_file,energy_pj,area_mm2,status\n"
                     "a,r|g.onnx,1.0,2.0,ok\nb,plain.onnx,2.0,1.0,ok\n")
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("|")]
    assert len(rows) == 4 and "r\\|g.onnx" in result.output
    assert {len(line.replace("\\|", "").split("|")) for line in rows} == {6}  # 5 cells, 6 separators each


@pytest.mark.parametrize(("line", "cells"), [("a,1.0,2.0", 3), ("a,1.0,2.0,ok,extra", 5)])
def test_a_row_of_another_length_than_the_header_is_named(tmp_path, line, cells):
    # a short row had ended in "internal error, TypeError"; a long one had been read, its extras dropped
    table = tmp_path / "r.csv"
    table.write_text(f"point_id,energy_pj,area_mm2,status\nb,2.0,1.0,ok\n{line}\n")
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 2 and f"line 3 has {cells} cells, the header 4" in result.output


def test_a_name_with_a_control_character_is_refused_by_name():
    # a newline had cut the report's heading and bold lines in two
    with pytest.raises(ConfigError, match=r"'name' must be a non-empty string without control characters"):
        config_from_dict({"name": "a\nb"}, "x.toml")
    assert config_from_dict({"name": "a | b `x` $5 é"}, "x.toml").name == "a | b `x` $5 é"


def test_a_dollar_in_a_name_is_drawn_as_written(tmp_path):
    # '$^$' in a config's name had failed the plots (matplotlib math), '$5 or $6' been drawn as math italics
    if not os.environ.get("CI"):
        pytest.importorskip("matplotlib", reason="the plots need matplotlib (the plot extra; CI installs it)")
    config = tmp_path / "c.toml"
    config.write_text('name = "price $^$ design, $5 or $6"\n[workload]\nin_features = 16\nout_features = 8\n'
                      "vectors = 4\n")
    result = invoke("compare", config, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "energy_breakdown.png").stat().st_size > 0
