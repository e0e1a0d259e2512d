"""Print cimsim's values of the published figures: the design presets' cases (ISAAC, PUMA, NeuRRAM, CICC 2021),
the ISAAC / DaDianNao gains, and every usable operating point of the published macros and chips
(src/cimsim/validation/published_macros.toml): absolute cases, trend cases, the summary and what was left out.

Usage:
  python benchmarks/validate_published.py                    print the tables (Markdown)
  python benchmarks/validate_published.py --write            also rewrite the generated section of docs/validation.md
                                                             (and README's summary between its markers, if any)
                                                             and the record reports quote (validation/record.json)
  python benchmarks/validate_published.py --print-expected   print cimsim/validation/macro_expected.json's text
  python benchmarks/validate_published.py --write-expected   rewrite macro_expected.json from this run (after a
                                                             cost-model change; then --write)
"""

import argparse
from pathlib import Path

from cimsim.atomic import write_atomic
from cimsim.validation import macro_report

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "validation.md"
README = ROOT / "README.md"
EXPECTED = ROOT / "src" / "cimsim" / "validation" / "macro_expected.json"
RECORD = ROOT / "src" / "cimsim" / "validation" / "record.json"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the generated section of docs/validation.md")
    parser.add_argument("--print-expected", action="store_true", help="print the pinned outcomes module")
    parser.add_argument("--write-expected", action="store_true", help="rewrite the pinned outcomes module")
    args = parser.parse_args(argv)
    if args.print_expected:
        print(macro_report.expected_outcomes_json(), end="")
        return
    if args.write_expected:
        write_atomic(EXPECTED, macro_report.expected_outcomes_json())
        print(f"wrote {EXPECTED.relative_to(ROOT)}")
        return
    section = macro_report.validation_section()
    print(section)
    if args.write:
        write_atomic(DOC, macro_report.with_generated_block(DOC.read_text(), section))
        print(f"\nwrote the generated section of {DOC.relative_to(ROOT)}")
        write_atomic(RECORD, macro_report.records_by_family_json())
        print(f"wrote the validation record reports quote, {RECORD.relative_to(ROOT)}")
        readme = README.read_text()
        if macro_report.README_BEGIN in readme:  # README's summary, where README has the markers
            summary = macro_report.readme_summary()
            write_atomic(README, macro_report.with_generated_block(readme, summary, macro_report.README_BEGIN,
                                                                   macro_report.README_END))
            print(f"wrote the validation summary of {README.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
