"""A name the user wrote (a config key, a sweep spec key, a metric, a results column) is shown escaped in an error:
a newline in it had split one problem over several ``error:`` lines (the second looking like a problem of its own),
a NUL or an escape character had reached the terminal raw. String values were already shown escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cimsim.argcheck import escaped
from cimsim.cli import main
from cimsim.config import load_config, with_overrides
from cimsim.errors import ConfigError
from cimsim.sweep import load_spec, pareto_front, read_table

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "configs" / "default.toml").as_posix()
SPEC = f'base = "{DEFAULT}"\nkind = "analytic"\n'
"""the head of a valid sweep spec (its base the shipped default config)"""


def _one_line(text: str) -> None:
    """``text`` (an error message) is one line of printable characters"""
    assert "\n" not in text and "\r" not in text and text.isprintable(), repr(text)


def _cli_error(*args) -> str:
    """the one ``error:`` line a command prints for bad input, checked to exit 2"""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), repr(result.output)
    _one_line(lines[0])
    return lines[0]


def test_escaped_writes_each_non_printable_character_as_an_escape():
    assert escaped("bits\n[dac]") == "bits\\n[dac]"
    assert escaped("bi\x00ts") == "bi\\u0000ts"
    assert escaped("a\tb\rc\x1b[31m") == "a\\tb\\rc\\u001b[31m"
    assert escaped("a\u2028b\u200bc\U000e0001") == "a\\u2028b\\u200bc\\U000e0001"  # Zl, Cf and an astral Cf
    assert escaped("a\\nb") == "a\\\\nb"  # a backslash written in the name: no mistaking it for a newline
    assert escaped("adc.bits") == "adc.bits" and escaped("é ü") == "é ü"  # printable text as it is
    assert escaped("\n" * 100) == "\\n" * 80 + "... (100 characters)"


@pytest.mark.parametrize("key, shown", [("bits\\n[dac]", "bits\\n[dac]"), ("bi\\u0000ts", "bi\\u0000ts"),
                                        ("b\\u001b[2Jits", "b\\u001b[2Jits")])
def test_a_config_key_with_a_control_character_is_one_escaped_line(tmp_path, key, shown):
    path = tmp_path / "c.toml"
    path.write_text(f'[adc]\n"{key}" = 8\n')  # TOML escapes: the key holds the character itself
    line = _cli_error("validate", path)
    assert f"unknown key 'adc.{shown}'" in line
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    _one_line(str(exc.value))
    assert exc.value.fields == [f"adc.{key.encode().decode('unicode_escape')}"]  # the field itself, for a script


def test_a_top_level_key_and_an_override_key_are_escaped(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('"na\\nme" = "x"\n')
    assert "unknown key 'na\\nme'" in _cli_error("validate", path)
    with pytest.raises(ConfigError) as exc:
        with_overrides(load_config(DEFAULT), {"adc.bi\nts": 3, "na\x00me": "x"})
    lines = str(exc.value).split("\n")  # two problems, a line each
    assert len(lines) == 2 and all(line.isprintable() for line in lines), lines
    assert "unknown key 'adc.bi\\nts'" in lines[0] and "unknown key 'na\\u0000me'" in lines[1]


@pytest.mark.parametrize("body, expected", [
    ('[axes]\n"adc.bits\\nerror: fake" = [6]\n', "no config field 'adc.bits\\nerror: fake'"),
    ('"ki\\u0000nd" = 1\n[axes]\n"adc.bits" = [6]\n', "unknown key 'ki\\u0000nd'"),
    ('objectives = ["energy\\nerror: fake"]\n[axes]\n"adc.bits" = [6]\n',
     "no metric of this sweep: energy\\nerror: fake"),
    ('[axes]\n"adc.bits" = {start = 4, stop = 6, step = 1, "st\\rep" = 2}\n', "unknown key 'st\\rep'"),
    ('[axes]\n"adc.bits" = [6]\n[set]\n"adc.b\\nits" = "a\\nb"\n', "[set] 'adc.b\\nits' must hold no control"),
    ('[axes]\n"adc.bits" = [6]\n[set]\n"adc.b\\nits" = 3\n', "unknown key 'adc.b\\nits'"),
    ('[axes]\n"adc.b\\nits" = [6]\n[axes.adc]\n"b\\nits" = [7]\n', "[axes] gives 'adc.b\\nits' twice"),
])
def test_a_sweep_spec_name_with_a_control_character_is_one_escaped_line(tmp_path, body, expected):
    path = tmp_path / "spec.toml"
    path.write_text(SPEC + body)
    with pytest.raises(ConfigError) as exc:
        load_spec(path)
    assert expected in str(exc.value)
    for message in exc.value.errors:
        _one_line(message[1])
    if len(exc.value.errors) == 1:
        assert expected in _cli_error("sweep", path, "-o", tmp_path / "out.csv")


def test_a_results_column_with_a_newline_is_one_escaped_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,"b\nerror: fake"\n1,2\n3,1\n')
    table = read_table(path, notice=None)
    with pytest.raises(ConfigError, match=r"columns: a, b\\nerror: fake$") as exc:
        pareto_front(table, "a", "zz", notice=None)
    _one_line(str(exc.value))
    with pytest.raises(ConfigError, match=r"no column 'z\\u0000z' for x \(--x\)"):
        pareto_front(table, "z\x00z", "a", notice=None)
    assert _cli_error("pareto", path, "--x", "a", "--y", "zz").endswith("columns: a, b\\nerror: fake")


def test_a_column_of_text_is_named_escaped_in_the_note(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,"b\x1bc"\n1,2\n3,text\n')
    notes = []
    pareto_front(read_table(path, notice=None), "a", "b\x1bc", notice=notes.append)
    assert len(notes) == 1 and "b\\u001bc is no number" in notes[0]
    _one_line(notes[0])


def test_a_pareto_with_no_point_and_a_key_given_twice_name_them_escaped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,"b\nerror: fake",status\n1,,ok\n')
    assert _cli_error("pareto", path, "--x", "a", "--y", "b\nerror: fake").endswith(
        "no finished point has numbers in both 'a' and 'b\\nerror: fake' ('b\\nerror: fake' none at all)")
    with pytest.raises(ConfigError) as exc:
        with_overrides(load_config(DEFAULT), {"adc.b\nits": 5, "adc": {"b\nits": 6}})
    _one_line(str(exc.value))
    assert "'adc.b\\nits' is given twice" in str(exc.value)
