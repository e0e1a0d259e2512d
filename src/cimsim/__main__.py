"""The ``cimsim`` command (and ``python -m cimsim``): Ctrl-C while its modules load, before the CLI's own handler is
in place (about a tenth of a second), exits as Ctrl-C later does (130, one line), not with a traceback."""

import sys


def main() -> None:
    try:
        from .cli import main as cli
    except KeyboardInterrupt:
        print("stopped: interrupted.", file=sys.stderr)
        sys.exit(130)
    cli(prog_name="cimsim")  # (python -m cimsim had named itself so in usage lines)


if __name__ == "__main__":
    main()
