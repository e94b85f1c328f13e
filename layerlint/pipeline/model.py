"""The pipeline model: jobs, their pool and variables, and their steps, each step tied to
the node (and so the file and offsets) it was written at and the template scope it is read
in. Built by :mod:`layerlint.pipeline.loader`; read by the job timelines and the rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from layerlint._lazyre import lazy_re
from layerlint._record import MutableRecord, Record
from layerlint.document import Document, DocumentError, Node
from layerlint.pipeline.scope import Origin, Scope, get, mapping_items
from layerlint.severity_types import Severity

STEP_KINDS = (
    "task", "script", "bash", "pwsh", "powershell", "checkout", "template", "download",
    "downloadBuild", "getPackage", "publish", "upload", "reviewApp",
)  # fmt: skip
_TASK = lazy_re(__name__, "_TASK", r"^\s*([A-Za-z0-9_.\-]+?)@(\d+)(?:\.[\d.]*)?\s*$")

OS = Literal["linux", "windows", "macos"]


class Pool(Record):
    __slots__ = ("hosted", "known", "name", "os")
    hosted: bool
    os: OS | None
    name: str | None
    known: bool  # False when the pool is a template expression (treated as hosted)

    def __init__(self, hosted: bool, os: OS | None = None, name: str | None = None,
                 known: bool = True) -> None:
        self.hosted = hosted
        self.os = os
        self.name = name
        self.known = known


HOSTED = Pool(hosted=True)


class Step(MutableRecord):
    __slots__ = ("conditional", "hook", "kind", "node", "scope")
    node: Node
    scope: Scope
    kind: str
    conditional: bool
    hook: str | None  # deployment lifecycle hook, e.g. "deploy"

    def __init__(self, node: Node, scope: Scope, kind: str, conditional: bool = False,
                 hook: str | None = None) -> None:
        self.node = node
        self.scope = scope
        self.kind = kind
        self.conditional = conditional
        self.hook = hook

    @property
    def origin(self) -> Origin:
        return Origin(self.scope.doc, self.node)

    @property
    def doc(self) -> Document:
        return self.scope.doc

    def get(self, key: str) -> tuple[Node, Scope] | None:
        return get(self.node, key, self.scope)

    def text(self, key: str) -> str | None:
        found = self.get(key)
        return found[1].text(found[0]) if found else None

    @property
    def task(self) -> tuple[str, int] | None:
        """(lower-case task name, major version) of a ``task:`` step."""
        if self.kind != "task":
            return None
        m = _TASK.match(self.text("task") or "")
        return (m.group(1).lower(), int(m.group(2))) if m else None

    def inputs(self) -> Iterator[tuple[str, Node, Scope]]:
        found = self.get("inputs")
        if found:
            yield from mapping_items(found[0], found[1])

    def input(self, name: str) -> tuple[Node, Scope] | None:
        """A task input by case-insensitive name (the agent's input map ignores case)."""
        low = name.lower()
        for key, node, scope in self.inputs():
            if key.lower() == low:
                return node, scope
        return None

    def input_text(self, *names: str) -> str | None:
        for name in names:
            found = self.input(name)
            if found is not None:
                return found[1].text(found[0])
        return None

    def env(self) -> dict[str, str]:
        found = self.get("env")
        if not found:
            return {}
        out: dict[str, str] = {}
        for key, node, scope in mapping_items(found[0], found[1]):
            value = scope.text(node)
            if value is not None:
                out[key] = value
        return out


class Job(MutableRecord):
    __slots__ = ("deployment", "legs", "name", "origin", "pool", "steps", "variables")
    name: str
    origin: Origin
    pool: Pool
    variables: dict[str, str]  # lower-case name -> value as written (may hold macros)
    steps: list[Step]
    deployment: bool
    legs: bool  # a ``strategy`` with ``matrix``/``parallel``: copies run with one text

    def __init__(self, name: str, origin: Origin, pool: Pool, variables: dict[str, str],
                 steps: list[Step] | None = None, deployment: bool = False,
                 legs: bool = False) -> None:
        self.name = name
        self.origin = origin
        self.pool = pool
        self.variables = variables
        self.steps = [] if steps is None else steps
        self.deployment = deployment
        self.legs = legs


class LoadProblem(Record):
    """Something wrong with the structure (for now: template references, LL002)."""

    __slots__ = ("message", "once", "origin", "severity", "via")
    origin: Origin
    message: str
    severity: Severity
    via: tuple[Origin, ...]
    once: str  # reported once per run under this key (a cycle, whichever file enters it)

    def __init__(self, origin: Origin, message: str, severity: Severity = "error",
                 via: tuple[Origin, ...] = (), once: str = "") -> None:
        self.origin = origin
        self.message = message
        self.severity = severity
        self.via = via
        self.once = once


class Pipeline(MutableRecord):
    __slots__ = ("broken_templates", "jobs", "problems", "template_files")
    jobs: list[Job]
    problems: list[LoadProblem]
    template_files: set[str]
    # referenced templates that exist but cannot be used (LL001 in the template)
    broken_templates: dict[Path, DocumentError]

    def __init__(self, jobs: list[Job] | None = None, problems: list[LoadProblem] | None = None,
                 template_files: set[str] | None = None,
                 broken_templates: dict[Path, DocumentError] | None = None) -> None:
        self.jobs = [] if jobs is None else jobs
        self.problems = [] if problems is None else problems
        self.template_files = set() if template_files is None else template_files
        self.broken_templates = {} if broken_templates is None else broken_templates
