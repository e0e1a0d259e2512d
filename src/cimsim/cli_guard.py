"""The CLI's last line: an error a user can cause becomes one message and an exit code, never a traceback."""

from __future__ import annotations

import errno
import functools
import os
import select
import sys
import traceback
import warnings

import click

from .argcheck import escaped
from .atomic import check_writable, names_folder
from .config.toml_file import working_dir
from .errors import ConfigError
from .interrupts import from_ctrl_c

__all__ = ["guarded", "fail", "OutputPath", "interruptible", "OneLineErrors", "OneLineGroup", "is_stdout", "written_to",
           "in_numba_cache", "FULL"]


def fail(exc: Exception, code: int) -> None:
    """Print ``exc`` as ``error:`` lines on stderr and exit with ``code`` (2: bad input, 1: the run failed)."""
    for line in str(exc).splitlines() or [type(exc).__name__]:
        click.echo(f"error: {line}", err=True)
    sys.exit(code)


FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)
"""errors of a write that found no room (a full disk, a quota, /dev/full)"""


def _frames(exc: BaseException):
    """the frames ``exc`` was raised through, and those of the exceptions it was raised from (each once: a chain may
    come back to itself)"""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield from (frame for frame, _ in traceback.walk_tb(exc.__traceback__))
        exc = exc.__cause__ or exc.__context__


def written_to(exc: BaseException) -> str | None:
    """the standard stream a write failing with ``exc`` went to: inside click.echo, the CLI's one way to print
    ("standard error" for ``err=True``); None for any other write (a file names its path)"""
    for frame in _frames(exc):
        if frame.f_code is click.echo.__code__:
            to = frame.f_locals.get("file")  # the stream echo chose (err=True, or file=sys.stderr as a bar gives)
            return "standard error" if frame.f_locals.get("err") or to is sys.stderr else "standard output"
    return None


def in_numba_cache(exc: BaseException) -> bool:
    """whether ``exc`` was raised saving numba's kernel cache (here or in a worker process, whose traceback comes
    back as the text of the exception it was raised from)"""
    place = f"{os.sep}numba{os.sep}core{os.sep}caching.py"
    return any(place in frame.f_code.co_filename for frame in _frames(exc)) or any(
        place in str(e) for e in (exc.__cause__, exc.__context__) if e is not None)


def _overrides_marked(exc: ConfigError) -> ConfigError:
    """``exc`` with each problem of a field the command's ``--set`` gave marked "(given as an override)", where a
    check after loading (a layer's weights beyond baseline.dram_gb) named the config file alone, or price-model's
    package preset, neither of which holds the value: a baseline probe"""
    given = {setting.partition("=")[0].strip() for setting in click.get_current_context().params.get("settings") or ()}
    return ConfigError(exc.source, [(f, f"{m} (given as an override)" if (f in given or f.partition(".")[0] in given)
                                     and "as an override" not in m else m) for f, m in exc.errors])  # a table whole


def guarded(fn):
    """Turn the errors a user can cause into one clear message and an exit code (``--debug``: the traceback; a bad
    config or a missing extra: 2); a closed stdout (``| head``) ends the command quietly; Ctrl-C exits with 130,
    saying so (click's 'Aborted!' had exited with 1, a failed run's code)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _warning_lines()
                result = fn(*args, **kwargs)
            _check_stdout()
            return result
        except KeyboardInterrupt:
            _stopped("stopped: interrupted.")
        except click.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001  (the CLI's last line: a message and an exit code, no traceback)
            if isinstance(exc, BrokenPipeError) and _stdout_closed():  # `cimsim ... | head -1`: no error to say
                _end_quietly()
            if click.get_current_context().find_root().params.get("debug"):  # the traceback, then the same exit code
                traceback.print_exc()
            if from_ctrl_c(exc):  # a module a Ctrl-C stopped loading (scipy's, onnx's): the Ctrl-C's exit
                _stopped("stopped: interrupted.")
            if isinstance(exc, ConfigError) or _missing_extra(exc):
                fail(_overrides_marked(exc) if isinstance(exc, ConfigError) else exc, 2)
            if isinstance(exc, UnicodeEncodeError) and sys.getfilesystemencoding().lower() not in ("utf-8", "utf8"):
                fail(RuntimeError(f"{exc.object[exc.start:exc.end]!r} (in a path or name) cannot be written in this "
                                  f"system's {sys.getfilesystemencoding()} file names (its locale): run under a "
                                  "UTF-8 locale (LC_ALL=C.UTF-8) or with PYTHONUTF8=1"), 2)
            if isinstance(exc, OSError) and exc.errno in FULL and (stream := written_to(exc)):  # (a file: named)
                fail(RuntimeError(f"cannot write to {stream}: {exc.strerror}"), 1)
            if isinstance(exc, OSError) and exc.errno in FULL and in_numba_cache(exc):
                fail(RuntimeError(f"numba cannot write its kernel cache ({exc.strerror}; NUMBA_CACHE_DIR="
                                  f"{os.environ.get('NUMBA_CACHE_DIR', 'unset: beside the modules or in ~/.cache')}"
                                  "): set NUMBA_CACHE_DIR to a writable folder with room"), 1)
            if isinstance(exc, (ValueError, OSError, MemoryError)):
                fail(exc if str(exc) else RuntimeError(type(exc).__name__), 1)
            if isinstance(exc, Warning):  # PYTHONWARNINGS=error or -W error: the warning, stopping the command
                fail(RuntimeError(f"{type(exc).__name__}: {exc} (a warning raised as an error, as the warning "
                                  "filters ask: PYTHONWARNINGS, -W)"), 1)
            fail(RuntimeError(f"internal error, {type(exc).__name__}: {exc} (run `cimsim --debug ...` for the "
                               "traceback, and please report it)"), 1)

    return wrapper


def _warning_lines():
    """A ``warnings.showwarning`` that writes each warning during a command as one line, ``warning: message``, as the
    CLI's own notes (Python's format named the cimsim source line that raised it and quoted its code), each message
    once (a config checked on two routes, loaded and with its settings, had said it twice)."""
    said = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if str(message) not in said:
            said.add(str(message))
            click.echo(f"warning: {message}", err=True)

    return show


def _check_stdout() -> None:
    """End quietly with 141 where the reader of stdout left before the command's output was all read: a large
    write cut short by the closed pipe (`cimsim macros | head`) returns without a BrokenPipeError."""
    if sys.stdout is None:  # started with stdout closed (`cimsim presets >&-`): nothing was written
        return
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    if _stdout_closed():
        _end_quietly()


def is_stdout(path) -> bool:
    """Whether the output ``path`` is this process's stdout (``-o /dev/stdout``, or the pipe or file stdout goes
    to): the command's report and its 'wrote' line then go to stderr, leaving stdout to the file alone (False for
    None, a path not there yet, and a stdout that is no file: a test's runner)."""
    if path is None:
        return False
    try:
        here, there = os.fstat(sys.stdout.fileno()), os.stat(path)
    except (AttributeError, OSError, ValueError):
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _missing_extra(exc: Exception) -> bool:
    """whether ``exc`` is an ImportError that says what to install (``pip install ...``): the user's environment, not
    an internal error"""
    return isinstance(exc, ImportError) and "pip install" in str(exc)


def _stdout_closed() -> bool:
    """whether stdout is a pipe whose reader has gone (poll reports an error on its write end); False where stdout
    is no file (a test's runner)"""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False


def _end_quietly() -> None:
    """Exit with 141 (128 + SIGPIPE: what a shell reports for a program the closed pipe ended, as `cat file | head`
    ends cat) and no message; stdout goes to /dev/null first, so that Python's last flush has nothing to fail on."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(141)


def interruptible(fn):
    """Ctrl-C at any moment of the command (a spec expanded, a cluster connecting) exits with 130, saying so, not
    with click's 'Aborted!' and 1; the command handles it itself where it has work to keep."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt:
            _stopped("stopped: interrupted. Run the same command again to resume.")
        except Exception as exc:
            if not from_ctrl_c(exc):  # (an error a Ctrl-C caused, as guarded takes it)
                raise
            _stopped("stopped: interrupted. Run the same command again to resume.")

    return wrapper


def _stopped(message: str) -> None:
    """exit as a Ctrl-C does: ``message`` on stderr, code 130"""
    click.echo(message, err=True)
    sys.exit(130)


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())
"""the UsageError click 8.2+ raises for a group called with nothing (shown as its help); click 8.1 has none (it shows
the help and exits itself), and an empty tuple catches nothing"""


class _OneLine:
    """Bad input to a command (click's own checks of its arguments and options, the UsageErrors the command
    raises, an unknown command) as one ``error:`` line and exit 2, as a bad config is (click had printed three lines
    of usage and 'Error: ...'); a group called with nothing still shows its help."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _NO_ARGS_IS_HELP:
            raise
        except click.UsageError as exc:
            fail(RuntimeError(exc.format_message()), 2)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _NO_ARGS_IS_HELP:
            raise
        except click.UsageError as exc:
            fail(RuntimeError(exc.format_message()), 2)

    def parse_args(self, ctx, args):
        """click's parse, then a UsageError for an option taking one value given twice with different values (click
        had kept the last one silently: ``--seed 1 --seed 2`` ran seed 2); the same value twice passes."""
        rest = super().parse_args(ctx, list(args))
        if not ctx.resilient_parsing:
            _refuse_repeated_options(self, ctx, args)
        return rest


def _refuse_repeated_options(command: click.Command, ctx: click.Context, args: list[str]) -> None:
    """A UsageError naming the first option of ``command`` that ``args`` give (parsed as click parses them) more
    than once with different values; options meant to repeat (``--set``, counts) are left alone."""
    parser = command.make_parser(ctx)
    for param in command.get_params(ctx):  # each option re-added, keeping every value given (replaces click's)
        param.add_to_parser(_EveryValue(parser), ctx)
    given, _, _ = parser.parse_args(list(args))  # args click's own parse accepted
    for param in command.get_params(ctx):
        values = given.get(param.name) if isinstance(param, click.Option) and not param.multiple else None
        if isinstance(values, list) and len({_meaning(param, ctx, v) for v in values}) > 1:  # a count's: a number
            shown = ", then ".join(escaped(v if isinstance(v, str) else repr(v)) for v in values)
            times = "twice" if len(values) == 2 else f"{len(values)} times"
            raise click.UsageError(f"{param.get_error_hint(ctx)} given {times} with different values ({shown}); "
                                   "give it once")


def _meaning(param: click.Parameter, ctx: click.Context, value) -> str:
    """what ``value`` given to ``param`` means, to compare: its converted value (``--seed 01`` is 1), a path's
    resolved path (``./r.json`` is ``r.json``); the text itself where it does not convert"""
    try:
        value = param.type_cast_value(ctx, value)
    except click.UsageError:  # a bad value (click converts only the last one given)
        return repr(value)
    if isinstance(param.type, click.Path) and isinstance(value, (str, bytes, os.PathLike)):
        return repr(os.path.realpath(value))
    return repr(value)


class _EveryValue:
    """An option parser's add_option as click's parameters call it, each option added to keep every value given
    (click's 'store' actions as 'append'); arguments are left as the parser holds them."""

    def __init__(self, parser):
        self._parser = parser

    def add_option(self, obj, opts, dest, action=None, nargs=1, const=None):
        action = {"store": "append", "store_const": "append_const"}.get(action or "store", action)
        self._parser.add_option(obj=obj, opts=opts, dest=dest, action=action, nargs=nargs, const=const)

    def add_argument(self, obj, dest, nargs=1):
        """(the parser holds the arguments already)"""


class OneLineErrors(_OneLine, click.Command):
    """A command whose bad input is one ``error:`` line and exit 2 (:class:`_OneLine`)."""


class OneLineGroup(_OneLine, click.Group):
    """A group whose commands (and the group itself: an unknown command) say bad input in one ``error:`` line."""

    command_class = OneLineErrors


STDOUT = "/dev/stdout"
"""what ``-o -`` names: this process's stdout, as POSIX systems name it"""


class OutputPath(click.Path):
    """A file (or, with ``file_okay=False``, a folder) the command will write: refused on the command line, before
    any work, where no file can be created there, where it is empty, and (a file) where it names a folder (a
    trailing '/', '.' or '..'). ``-`` names stdout, as ``/dev/stdout`` does (a file had been written named '-'),
    or is refused with ``no_stdout`` (why stdout cannot take this output) and for a folder. ``appended``: an existing
    file is appended to (a sweep's results), so it must open for appending (an append-only one passes), not for
    writing (:func:`cimsim.atomic.check_writable`)."""

    def __init__(self, *args, no_stdout: str | None = None, appended: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.no_stdout, self.appended = no_stdout, appended

    def convert(self, value, param, ctx):
        if os.fspath(value) == "-":
            if not self.file_okay:
                self.fail("- names stdout, which cannot hold a folder; give a folder's path", param, ctx)
            if self.no_stdout or not os.path.exists(STDOUT):
                self.fail(f"- names stdout, which cannot take this output: {self.no_stdout or f'no {STDOUT} here'}; "
                          "give a file's path", param, ctx)
            value = STDOUT
        if self.no_stdout and is_stdout(value):  # a sweep's rows had been appended to stdout, its summary among them
            self.fail(f"{value} is stdout, which cannot take this output: {self.no_stdout}; give a file's path",
                      param, ctx)
        given, value = value, super().convert(value, param, ctx)
        if not os.fspath(value):
            self.fail("an empty path names no file or folder", param, ctx)
        if self.file_okay and not self.dir_okay and names_folder(given):
            self.fail(f"{given} names a directory; give the path of a file", param, ctx)  # ('r.json/.' as given)
        try:
            if not os.path.isabs(os.fspath(value)):
                working_dir()  # a relative path in a deleted working directory: said so, not a bare errno
            check_writable(value, folder=not self.file_okay, appended=self.appended)
        except OSError as exc:
            self.fail(f"{value}: cannot write there ({exc.strerror or exc})", param, ctx)
        return value
