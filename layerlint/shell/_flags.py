"""Command-line option scanning helpers for :mod:`layerlint.shell.docker`."""

from __future__ import annotations

from collections.abc import Sequence

from layerlint._lazyre import lazy_re
from layerlint._record import Record

from ._types import Word

DOCKER_GLOBAL_VALUE = frozenset(
    {"-H", "--host", "-c", "--context", "-l", "--log-level", "--config",
     "--tlscacert", "--tlscert", "--tlskey"}
)  # fmt: skip
BUILDX_VALUE = frozenset({"--builder"})
BUILD_BOOL = frozenset(
    {"--load", "--push", "--no-cache", "--pull", "-q", "--quiet", "--rm", "--force-rm",
     "--compress", "--squash", "--disable-content-trust", "--check", "--debug", "-D",
     "--help", "--detach"}
)  # fmt: skip
COMPOSE_GLOBAL_VALUE = frozenset(
    {"-f", "--file", "-p", "--project-name", "--profile", "--env-file",
     "--project-directory", "--ansi", "--parallel", "--progress", "-H", "--host",
     "-c", "--context", "--log-level", "--tlscacert", "--tlscert", "--tlskey"}
)  # fmt: skip
COMPOSE_VALUE = frozenset(
    {"--build-arg", "--builder", "--ssh", "-m", "--memory", "--progress", "-t",
     "--timeout", "--scale", "--exit-code-from", "--attach", "--no-attach",
     "--wait-timeout"}
)  # fmt: skip
BUILDER_VALUE = frozenset(
    {"--name", "--driver", "--platform", "--driver-opt", "--buildkitd-flags",
     "--buildkitd-config", "--config", "--node", "--builder", "--timeout"}
)  # fmt: skip
_SUDO_VALUE = frozenset("ugCDprtTUR")
_SUDO_LONG_VALUE = frozenset(
    {"--user", "--group", "--close-from", "--chdir", "--prompt", "--role", "--type",
     "--command-timeout", "--other-user", "--host"}
)  # fmt: skip
_ENV_VALUE = frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"})
_PLAIN_WRAPPERS = frozenset({"time", "nohup", "command", "exec", "builtin"})
_ENV_ASSIGN = lazy_re(__name__, "_ENV_ASSIGN", r"[A-Za-z_][A-Za-z0-9_]*=")
_FALSE = frozenset({"false", "0", "no", "off", "f"})


class Option(Record):
    __slots__ = ("name", "positional", "value")
    name: str  # as written, e.g. '--tag' or '-t'; '' for a positional argument
    value: Word | None
    positional: bool

    def __init__(self, name: str, value: Word | None, positional: bool = False) -> None:
        self.name = name
        self.value = value
        self.positional = positional


def tool_name(value: str) -> str:
    """``/usr/bin/docker`` and ``C:\\x\\Docker.exe`` -> ``docker``."""
    base = value.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return base[:-4] if base.endswith(".exe") else base


def bool_value(word: Word | None) -> bool:
    """Value of a boolean flag: absent value means true; ``=false`` etc. mean false."""
    return word is None or word.value.strip().lower() not in _FALSE


def sub_word(w: Word, skip: int) -> Word:
    """The part of ``w.value`` after ``skip`` characters, as a Word.

    When the raw text equals the value (no quoting/escapes, detectable because those
    always shorten the value) the offsets are narrowed to the value; otherwise the
    Word spans the whole original word.
    """
    start = w.start + skip if w.end - w.start == len(w.value) else w.start
    return Word(w.value[skip:], start, w.end, w.quoted)


def parse_options(
    words: Sequence[Word],
    start: int,
    value_flags: frozenset[str] | None,
    *,
    bool_flags: frozenset[str] = frozenset(),
    stop_at_positional: bool = False,
) -> tuple[int, list[Option]]:
    """Scan options from ``words[start:]`` (pflag rules).

    ``value_flags`` lists the flags taking a value; None means every flag not in
    ``bool_flags`` takes one.  Returns the index where scanning stopped (the first
    positional when ``stop_at_positional``) and the options found in order.
    """

    def takes_value(name: str) -> bool:
        if value_flags is None:
            return name not in bool_flags
        return name in value_flags

    opts: list[Option] = []
    i, n = start, len(words)
    while i < n:
        w = words[i]
        v = w.value
        if v == "--" and not w.quoted:
            if stop_at_positional:
                return i + 1, opts
            opts.extend(Option("", x, True) for x in words[i + 1 :])
            return n, opts
        if len(v) < 2 or not v.startswith("-"):
            if stop_at_positional:
                return i, opts
            opts.append(Option("", w, True))
            i += 1
            continue
        i += 1
        if v.startswith("--"):
            name, eq, _ = v.partition("=")
            if eq:
                opts.append(Option(name, sub_word(w, len(name) + 1)))
            elif takes_value(name):
                opts.append(Option(name, words[i] if i < n else None))
                i += 1
            else:
                opts.append(Option(name, None))
            continue
        for k in range(1, len(v)):  # short flags, possibly combined: -qt NAME
            name = "-" + v[k]
            if not takes_value(name):
                opts.append(Option(name, None))
                continue
            if k + 1 < len(v):
                skip = k + 2 if v[k + 1] == "=" else k + 1
                opts.append(Option(name, sub_word(w, skip)))
            else:
                opts.append(Option(name, words[i] if i < n else None))
                i += 1
            break
    return i, opts


def skip_wrappers(words: Sequence[Word]) -> tuple[int, bool]:
    """Skip ``sudo``/``env``/``time``/``nohup``... prefixes; return (index, used sudo)."""
    i, n, sudo = 0, len(words), False
    while i < n:
        base = tool_name(words[i].value)
        if base == "sudo":
            sudo = True
            i = _skip_sudo(words, i + 1)
        elif base == "env":
            i += 1
            while i < n:
                v = words[i].value
                if v in _ENV_VALUE:
                    i += 2
                elif v.startswith("-") or _ENV_ASSIGN.match(v):
                    i += 1
                else:
                    break
        elif base in _PLAIN_WRAPPERS:
            i += 1
            while i < n and words[i].value.startswith("-"):
                i += 1
        else:
            break
    return min(i, n), sudo


def _skip_sudo(words: Sequence[Word], i: int) -> int:
    n = len(words)
    while i < n:
        v = words[i].value
        i += 1
        if v == "--":
            return i
        if v.startswith("--"):
            if "=" not in v and v in _SUDO_LONG_VALUE:
                i += 1
        elif v.startswith("-") and len(v) > 1:
            for k in range(1, len(v)):
                if v[k] in _SUDO_VALUE:
                    if k + 1 == len(v):
                        i += 1
                    break
        elif not _ENV_ASSIGN.match(v):
            return i - 1
    return i
