"""Cache@2 keys as the agent reads them (azure-pipelines.md 1.2).

* A key without a newline is split on ``|``; empty segments are dropped and each segment is
  trimmed. A key with newlines is the legacy format: one segment per line.
* Quotes are not stripped: ``"docker"`` and ``docker`` are different segments.
* A segment is a path (hashed file or glob) when it is not wrapped in double quotes, holds
  only file-name, glob and separator characters, contains ``.`` or ``/`` and does not end
  with ``.``; macros such as ``$(Agent.OS)`` are expanded before that test.
* A path segment is split on ``,`` into rules; ``!`` excludes; globbing is minimatch with
  ``dot: true``, relative to ``$(System.DefaultWorkingDirectory)`` (the repository root).
"""

from __future__ import annotations

import re
from typing import Literal

from layerlint._lazyre import lazy_re
from layerlint._record import Record

Kind = Literal["literal", "static", "run", "path", "unknown"]

# Predefined macros whose value is the same on every run of a job (rules.md: "$(Agent.OS)
# is Linux, not a path"); the value stands for what the agent substitutes.
STATIC_MACROS = {
    "agent.os": "Linux",
    "agent.osarchitecture": "X64",
    "system.teamproject": "project",
    "build.definitionname": "pipeline",
    "build.repository.name": "repo",
    "system.jobname": "job",
    "agent.jobname": "job",
}
# Predefined macros that change on every run.
RUN_MACROS = frozenset({
    "build.sourceversion", "build.buildid", "build.buildnumber", "system.jobid",
    "system.pullrequest.sourcecommitid", "build.sourceversionmessage", "system.planid",
})
_MACRO = lazy_re(__name__, "_MACRO", r"\$\(([A-Za-z_][\w.\-]*)\)")
# on Linux only NUL and "/" are not file-name chars
_PATH_CHARS = lazy_re(__name__, "_PATH_CHARS", r"^[^\x00-\x1f]*$")


class Segment(Record):
    __slots__ = ("expanded", "kind", "text")
    text: str  # as written (after template substitution), trimmed
    kind: Kind
    expanded: str  # with the macros layerlint knows expanded

    def __init__(self, text: str, kind: Kind, expanded: str) -> None:
        self.text = text
        self.kind = kind
        self.expanded = expanded

    @property
    def quoted(self) -> bool:
        return len(self.text) >= 2 and self.text[0] == '"' and self.text[-1] == '"'


def split(key: str) -> list[str]:
    """The key's segments as written (azure-pipelines.md 1.2, step 1)."""
    stripped = key.strip("\r\n")
    parts = stripped.splitlines() if "\n" in stripped else stripped.split("|")
    return [p.strip() for p in parts if p.strip()]


def is_pathy(segment: str) -> bool:
    if len(segment) >= 2 and segment[0] == '"' and segment[-1] == '"':
        return False
    if not _PATH_CHARS.match(segment):
        return False
    return ("." in segment or "/" in segment) and not segment.endswith(".")


def classify(text: str, variables: dict[str, str]) -> Segment:
    """What a segment is, once the macros layerlint knows are expanded. ``unknown``: a
    macro or expression layerlint cannot know (the segment is not judged)."""
    if "${{" in text or "$[" in text:
        return Segment(text, "unknown", text)
    kinds: set[str] = set()

    def macro(m: re.Match[str]) -> str:
        name = m.group(1).lower()
        if name in STATIC_MACROS:
            return STATIC_MACROS[name]
        if name in RUN_MACROS:
            kinds.add("run")
            return "0123abcd"
        if name in variables and "$" not in variables[name]:
            return variables[name]
        kinds.add("unknown")
        return m.group(0)

    expanded = text
    for _ in range(5):
        new = _MACRO.sub(macro, expanded)
        if new == expanded:
            break
        expanded = new
    if "unknown" in kinds or "$(" in expanded:
        return Segment(text, "unknown", expanded)
    if "run" in kinds:
        return Segment(text, "run", expanded)
    if is_pathy(expanded):
        return Segment(text, "path", expanded)
    return Segment(text, "literal" if expanded == text else "static", expanded)


def segments(key: str, variables: dict[str, str]) -> list[Segment]:
    return [classify(s, variables) for s in split(key)]


def is_dockerfile(segment: Segment) -> bool:
    name = segment.expanded.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return "dockerfile" in name or "containerfile" in name


# -- globbing (minimatch, dot: true, nobrace) ---------------------------------------------
def glob_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**", i):
            j = i + 2
            if j < n and pattern[j] == "/":
                out.append("(?:.*/)?")
                i = j + 1
            else:
                out.append(".*")
                i = j
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            close = pattern.find("]", i + 1)
            if close < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:close].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = close
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def path_rules(segment: str) -> tuple[list[str], list[str]]:
    """(include, exclude) rules of a path segment, relative to the repository root, or
    ``([], [])`` when a rule is not under the repository (an absolute path elsewhere)."""
    includes: list[str] = []
    excludes: list[str] = []
    for raw in segment.split(","):
        rule = raw.strip()
        if not rule:
            continue
        negate = rule.startswith("!")
        rule = rule[1:] if negate else rule
        rule = rule.replace("\\", "/")
        for prefix in ("$(System.DefaultWorkingDirectory)", "$(Build.SourcesDirectory)"):
            if rule.lower().startswith(prefix.lower()):
                rule = rule[len(prefix):].lstrip("/")
        if rule.startswith("/") or re.match(r"^[A-Za-z]:/", rule) or "$" in rule:
            return [], []
        while rule.startswith("./"):
            rule = rule[2:]
        (excludes if negate else includes).append(rule)
    return includes, excludes


def matches_any(files: list[str], segment: str) -> bool | None:
    """Whether the path segment matches a file of ``files`` (paths relative to the
    repository root, ``/``-separated); None when it cannot be decided."""
    includes, excludes = path_rules(segment)
    if not includes:
        return None
    inc = [glob_regex(r) for r in includes]
    exc = [glob_regex(r) for r in excludes]
    return any(
        any(p.match(f) for p in inc) and not any(p.match(f) for p in exc) for f in files
    )
