"""The LL103 fix's reading of one compose command, and its writing as ``docker buildx bake``
(:mod:`layerlint.fixes.compose`).

The command keeps its place: its words are rewritten one by one, so whatever ``set -e``,
``if``, ``||`` or last-command context it had, it keeps. ``docker compose build`` /
``docker-compose build`` becomes ``docker buildx bake``; the ``-f`` files and the services
named stay as written. Build flags map: ``--pull`` stays, ``--build-arg K=V`` becomes
``--set *.args.K=V``, ``-q`` becomes ``--progress=quiet``, ``--progress X`` becomes
``--progress=X``; ``--parallel``, ``--force-rm``, ``--rm``, ``--compress`` (docker-compose v1
flags without effect on a BuildKit build) and ``-p`` (only unnamed images use the project
name, and there are none) are dropped. Anything else: no fix, and the finding says which
flag.

Held here: the scan of the command's words (its compose files, services and word edits),
and the text helpers that write the bake flags back into the script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from layerlint.finding import Edit
from layerlint.fixes.yamltext import newline
from layerlint.shell import Word
from layerlint.timeline import Build, ScriptRun

_GLOBAL_VALUE = {"-f", "--file", "-p", "--project-name"}
_GLOBAL_OTHER = {"--profile", "--env-file", "--project-directory", "--ansi", "--parallel",
                 "--progress", "-H", "--host", "-c", "--context", "--log-level",
                 "--tlscacert", "--tlscert", "--tlskey"}
_BUILD_VALUE = {"--build-arg", "--progress"}
_BUILD_DROPPED = {"--parallel", "--force-rm", "--rm", "--compress"}
_PROGRESS = {"auto", "plain", "tty", "quiet"}
_PLAIN = re.compile(r"^[A-Za-z0-9_.,=:/@%+-]+$")


@dataclass
class Scan:
    files: list[Word] = field(default_factory=list)
    services: list[Word] = field(default_factory=list)
    edits: list[tuple[Word, str]] = field(default_factory=list)  # word -> new text
    verb: Word | None = None
    binary: Word | None = None


def scan_command(build: Build) -> Scan | str:
    """The command's words: compose files, services, and the word edits that turn it into
    bake (or why it cannot be)."""
    docker = build.docker
    assert docker is not None
    words = docker.command.words
    out = Scan()
    i = 0
    while i < len(words) and (_is_assignment(words[i].value) or words[i].value == "sudo"):
        if words[i].value == "sudo" and i + 1 < len(words) and words[i + 1].value.startswith("-"):
            return "`sudo` with options is not rewritten"
        i += 1
    if i >= len(words):
        return "the compose command could not be read"
    name = words[i].value.replace("\\", "/").rsplit("/", 1)[-1]
    if name == "docker-compose":
        out.binary = words[i]
        i += 1
    elif name == "docker":
        if i + 1 >= len(words) or words[i + 1].value != "compose":
            return "docker options before `compose` are not rewritten"
        out.binary = words[i + 1]
        i += 2
    else:
        return "the compose command is written in a way the fixer does not rewrite"
    # global options
    while i < len(words) and words[i].value.startswith("-"):
        flag, eq, _ = words[i].value.partition("=")
        if flag in _GLOBAL_VALUE:
            value = _value(words, i, flag, bool(eq))
            if value is None:
                return f"`{flag}` without a value"
            if flag in ("-f", "--file"):
                out.files.append(value)
            else:  # the project name: bake has none, and every built image is named
                out.edits.append((words[i], ""))
                if not eq:
                    out.edits.append((value, ""))
            i += 1 if eq else 2
            continue
        return (f"the compose option `{flag}` has no bake equivalent that the fix can "
                "prove to behave the same")
    if i >= len(words) or words[i].value != "build":
        return "only `compose build` is rewritten (`up --build` builds and starts in one command)"
    out.verb = words[i]
    i += 1
    while i < len(words):
        w = words[i]
        v = w.value
        if v == "--":
            return "`--` in a compose build is not rewritten"
        if not v.startswith("-") or len(v) < 2:
            out.services.append(w)
            i += 1
            continue
        flag, eq, _ = v.partition("=")
        if flag == "--no-cache":
            return "the build runs with --no-cache on purpose"
        if flag == "--pull":
            i += 1
            continue
        if flag in ("-q", "--quiet"):
            out.edits.append((w, "--progress=quiet"))
            i += 1
            continue
        if flag in _BUILD_DROPPED:
            out.edits.append((w, ""))
            i += 1
            continue
        if flag in _BUILD_VALUE:
            value = _value(words, i, flag, bool(eq))
            if value is None:
                return f"`{flag}` without a value"
            if flag == "--progress":
                if value.value not in _PROGRESS:
                    return f"`--progress {value.value}` has no bake equivalent"
                new = f"--progress={value.value}"
            else:
                key, has, _ = value.value.partition("=")
                if not has or not key or "$" in key:
                    return ("`--build-arg` without `=VALUE` takes its value from the "
                            "environment, which bake's `--set` cannot do")
                raw = _raw(build.script, value)
                if raw is None or (eq and raw != w.value[len(flag) + 1:]):
                    return "a quoted `--build-arg=` is not rewritten"
                if eq:
                    raw = w.value[len(flag) + 1:]
                # bash joins the quoted prefix to the word as written: the value expands
                # exactly as it did after --build-arg
                new = "--set '*.args.'" + raw
            if eq:
                out.edits.append((w, new))
            else:  # `--build-arg K=V` -> `--set '*.args.'K=V`, `--progress X` -> ...
                head, _, tail = new.partition(" ") if flag == "--build-arg" else (new, "", "")
                out.edits.append((w, head))
                out.edits.append((value, tail))
            i += 1 if eq else 2
            continue
        return f"the compose build flag `{flag}` is not mapped to bake"
    return out


def _is_assignment(value: str) -> bool:
    return re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", value) is not None


def _value(words: Sequence[Word], i: int, flag: str, eq: bool) -> Word | None:
    if eq:
        w = words[i]
        skip = len(flag) + 1
        start = w.start + skip if w.end - w.start == len(w.value) else w.start
        return Word(w.value[skip:], start, w.end, w.quoted)
    return words[i + 1] if i + 1 < len(words) else None


def _raw(run: ScriptRun | None, w: Word) -> str | None:
    if run is None:
        return None
    return run.text[w.start:w.end]


def quote_set(flag: str) -> str:
    if not flag.startswith("--set "):
        return flag
    value = flag[len("--set "):]
    return f"--set {value}" if _PLAIN.match(value) and "$" not in value else f"--set '{value}'"



def replace_word(run: ScriptRun, w: Word, text: str) -> Edit | None:
    from layerlint.fixes.inplace import _replace as replace

    return replace(run, w.start, w.end, text)


def flag_text(run: ScriptRun, verb: Word, flags: list[str]) -> str:
    r"""The flags that replace the ``build`` verb: one per continuation line in a literal
    block (the command's words after it follow the last one), else on one line."""
    if getattr(run.node, "style", None) != "|":
        return " ".join(flags)
    doc = run.doc.text
    off = run.offset(verb.start)
    start = doc.rfind("\n", 0, off) + 1
    line = doc[start:off]
    indent = line[:len(line) - len(line.lstrip(" \t"))] + "  "
    nl = newline(doc)
    return flags[0] + "".join(f" \\{nl}{indent}{flag}" for flag in flags[1:])

