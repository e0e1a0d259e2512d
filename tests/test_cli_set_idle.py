"""A --set override that leaves a field the file states idle is accepted (a sweep's axes cross a base's fields the same
way) but said on stderr, naming the field: it had been dropped silently while the file alone refuses such a field."""

from __future__ import annotations

from click.testing import CliRunner

from cimsim.cli import main

FILE = """[array]
family = "charge"
cell_capacitance_ff = 5
[adc]
range = "fixed"
full_scale_fraction = 0.25
"""


def _validate(tmp_path, *settings):
    path = tmp_path / "cap.toml"
    path.write_text(FILE)
    return CliRunner().invoke(main, ["validate", str(path), *(a for s in settings for a in ("--set", s))])


def test_an_override_that_idles_a_file_field_is_warned_of(tmp_path):
    result = _validate(tmp_path, "array.family=resistive", "adc.range=max")
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
    for field in ("array.cell_capacitance_ff", "adc.full_scale_fraction"):
        assert f"cap.toml: with the --set overrides, '{field}' applies only when" in result.stderr


def test_overrides_that_keep_the_file_fields_in_use_say_nothing(tmp_path):
    for settings in ((), ("adc.bits=6",), ("array.family=charge", "adc.full_scale_fraction=0.5")):
        result = _validate(tmp_path, *settings)
        assert result.exit_code == 0 and "warning" not in result.stderr, result.output
