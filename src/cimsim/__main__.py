"""The ``cimsim`` command (and ``python -m cimsim``): Ctrl-C while its modules load, before the CLI's own handler is
in place (about a tenth of a second), exits as Ctrl-C later does (130, one line), not with a traceback (the
ImportError a C extension raises when one stops it loading too; from the moment this module runs: one in the
interpreter's own start-up, or the console script's imports before it, is Python's); one that lands in a callback
the interpreter runs meanwhile (importlib's module locks), which Python would print as "Exception ignored" and drop,
too; one dropped so while a command runs is sent again. The help or version a full stdout cannot take is one line,
not a traceback."""

import sys  # alone: signal is imported where it is used (its import builds enum classes, a window in which a
# Ctrl-C before main's guard had printed a traceback on a loaded machine)

from .interrupts import from_ctrl_c  # (imports nothing: no window of its own once the handler is in place)


def main() -> None:
    interrupted = []

    def hook(unraisable) -> None:
        if issubclass(unraisable.exc_type, KeyboardInterrupt):
            interrupted.append(unraisable)
        else:
            sys.__unraisablehook__(unraisable)

    sys.unraisablehook = hook
    try:
        from .cli import main as cli
    except BaseException as exc:  # a Ctrl-C, or an error it caused; anything else raised again
        if not from_ctrl_c(exc):
            raise
        interrupted.append(None)
    finally:
        sys.unraisablehook = sys.__unraisablehook__
    if interrupted:
        print("stopped: interrupted.", file=sys.stderr)
        sys.exit(130)
    sys.unraisablehook = _interrupt_again
    try:
        cli(prog_name="cimsim")  # (python -m cimsim had named itself so in usage lines)
    except OSError as exc:  # --help or --version written to a full stdout: before any command's own guard
        from .cli_guard import FULL, written_to

        if exc.errno not in FULL or not (stream := written_to(exc)):
            raise
        print(f"error: cannot write to {stream}: {exc.strerror or exc}", file=sys.stderr)
        sys.exit(1)


def _interrupt_again(unraisable) -> None:
    """a Ctrl-C the interpreter dropped in a callback (a module lock's, while a command imports what it needs before
    its own handler is in place: a sweep had then run every point, exit 0) sent again, to land where it is not"""
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        import _thread

        # from another thread a millisecond on, so the main thread handles it once this hook has returned (sent from
        # here, by signal.raise_signal or interrupt_main, it was raised in the hook at once and dropped again: a
        # probe; threading.Thread's start waits, and it had landed in that wait)
        _thread.start_new_thread(_ctrl_c_later, ())
    else:
        sys.__unraisablehook__(unraisable)


def _ctrl_c_later() -> None:
    import _thread
    import time

    time.sleep(1e-3)
    _thread.interrupt_main()


if __name__ == "__main__":
    main()
