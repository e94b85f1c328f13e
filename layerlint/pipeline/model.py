"""The pipeline model: jobs, their pool and variables, and their steps, each step tied to
the node (and so the file and offsets) it was written at and the template scope it is read
in. Built by :mod:`layerlint.pipeline.loader`; read by the job timelines and the rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from layerlint.document import Document, DocumentError, Node
from layerlint.pipeline.scope import Origin, Scope, get, mapping_items
from layerlint.severity_types import Severity

STEP_KINDS = (
    "task", "script", "bash", "pwsh", "powershell", "checkout", "template", "download",
    "downloadBuild", "getPackage", "publish", "upload", "reviewApp",
)  # fmt: skip
_TASK = re.compile(r"^\s*([A-Za-z0-9_.\-]+?)@(\d+)(?:\.[\d.]*)?\s*$")

OS = Literal["linux", "windows", "macos"]


@dataclass(frozen=True)
class Pool:
    hosted: bool
    os: OS | None = None
    name: str | None = None
    known: bool = True  # False when the pool is a template expression (treated as hosted)


HOSTED = Pool(hosted=True)


@dataclass
class Step:
    node: Node
    scope: Scope
    kind: str
    conditional: bool = False
    hook: str | None = None  # deployment lifecycle hook, e.g. "deploy"

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


@dataclass
class Job:
    name: str
    origin: Origin
    pool: Pool
    variables: dict[str, str]  # lower-case name -> value as written (may hold macros)
    steps: list[Step] = field(default_factory=list)
    deployment: bool = False
    legs: bool = False  # a ``strategy`` with ``matrix``/``parallel``: copies run with one text


@dataclass(frozen=True)
class LoadProblem:
    """Something wrong with the structure (for now: template references, LL002)."""

    origin: Origin
    message: str
    severity: Severity = "error"
    via: tuple[Origin, ...] = ()
    once: str = ""  # reported once per run under this key (a cycle, whichever file enters it)


@dataclass
class Pipeline:
    jobs: list[Job] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    template_files: set[str] = field(default_factory=set)
    # referenced templates that exist but cannot be used (LL001 in the template)
    broken_templates: dict[Path, DocumentError] = field(default_factory=dict)
