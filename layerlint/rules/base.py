"""What every rule shares: its metadata, the context it reads, and the hits it yields.

A rule module holds ``META`` (a :class:`RuleMeta`), its documentation as the module
docstring (What it does / Why / Bad example / Good example / Fix), and
``check(ctx) -> Iterator[Hit]``. Rules never open files, parse or print: they read the
context (the pipeline model and the job timelines) and yield hits at offsets of the file
that holds the offending text. The engine turns hits into findings (positions, severity
overrides, relocation through templates, deduplication).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from layerlint.document import Document
from layerlint.finding import Fix
from layerlint.pipeline.model import Job, Pipeline
from layerlint.pipeline.scope import Origin
from layerlint.repo_files import RepoFiles
from layerlint.severity_types import Severity
from layerlint.timeline import Timeline

if TYPE_CHECKING:
    from layerlint.fixes.settings import FixSettings


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    summary: str
    severity: Severity
    fix: str | None = None  # "safe", "unsafe" or None (fix availability)


@dataclass(frozen=True)
class Hit:
    code: str
    doc: Document
    start: int
    end: int
    message: str
    via: tuple[Origin, ...] = ()
    severity: Severity | None = None  # None: the rule's default
    fix: Fix | None = None
    once: str = ""  # when set, the engine reports only the first hit with this key in a run
    no_fix: str = ""  # why a rule that has fixes offers none here (said to the user)


@dataclass(eq=False)  # identity: fix planners memoise per context
class Context:
    doc: Document
    pipeline: Pipeline
    timelines: list[Timeline] = field(default_factory=list)
    files: RepoFiles | None = None  # the repository around the file (None: unknown)
    settings: FixSettings | None = None  # how fixes are written (None: the defaults)


class Rule(Protocol):
    META: RuleMeta
    __doc__: str | None

    def check(self, ctx: Context) -> Iterator[Hit]: ...


def hosted_severity(job: Job, default: Severity) -> Severity:
    """rules.md "Agent awareness": on a self-hosted pool the Docker daemon and its layer
    store persist between runs of the same agent, so an uncached build is a warning."""
    if not job.pool.hosted and default == "error":
        return "warning"
    return default
