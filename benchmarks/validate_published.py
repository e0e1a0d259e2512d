"""Print cimsim's values of the published figures of its design presets as a Markdown table.

Usage: python benchmarks/validate_published.py   (docs/validation.md holds a copy of the output)
"""

from cimsim.validation import PAPER_GAINS, isaac_vs_dadiannao, markdown_table, validate


def main() -> None:
    results = validate()
    print(markdown_table(results))
    print(f"\n{sum(r.passed for r in results)} of {len(results)} cases within their tolerance.\n")
    gains = isaac_vs_dadiannao()
    print("| ISAAC / DaDianNao | cimsim | ISAAC paper |\n|---|---:|---:|")
    for name, paper in PAPER_GAINS.items():
        print(f"| {name} | {getattr(gains, name):.2f}x | {paper:.1f}x |")


if __name__ == "__main__":
    main()
