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
from typing import TYPE_CHECKING, Protocol

from layerlint._record import Record
from layerlint.document import Document
from layerlint.finding import Fix
from layerlint.pipeline.model import Job, Pipeline
from layerlint.pipeline.scope import Origin
from layerlint.repo_files import RepoFiles
from layerlint.rules._meta import RuleMeta as RuleMeta  # re-exported: rules import it here
from layerlint.severity_types import Severity
from layerlint.timeline import Timeline

if TYPE_CHECKING:
    from layerlint.fixes.settings import FixSettings


class Hit(Record):
    __slots__ = (
        "code",
        "doc",
        "end",
        "fix",
        "message",
        "no_fix",
        "once",
        "severity",
        "start",
        "via",
    )
    code: str
    doc: Document
    start: int
    end: int
    message: str
    via: tuple[Origin, ...]
    severity: Severity | None  # None: the rule's default
    fix: Fix | None
    once: str  # when set, the engine reports only the first hit with this key in a run
    no_fix: str  # why a rule that has fixes offers none here (said to the user)

    def __init__(self, code: str, doc: Document, start: int, end: int, message: str,
                 via: tuple[Origin, ...] = (), severity: Severity | None = None,
                 fix: Fix | None = None, once: str = "", no_fix: str = "") -> None:
        self.code = code
        self.doc = doc
        self.start = start
        self.end = end
        self.message = message
        self.via = via
        self.severity = severity
        self.fix = fix
        self.once = once
        self.no_fix = no_fix


class Context:  # identity: fix planners memoise per context
    __slots__ = ("__weakref__", "doc", "files", "pipeline", "settings", "timelines")
    doc: Document
    pipeline: Pipeline
    timelines: list[Timeline]
    files: RepoFiles | None  # the repository around the file (None: unknown)
    settings: FixSettings | None  # how fixes are written (None: the defaults)

    def __init__(self, doc: Document, pipeline: Pipeline, timelines: list[Timeline] | None = None,
                 files: RepoFiles | None = None, settings: FixSettings | None = None) -> None:
        self.doc = doc
        self.pipeline = pipeline
        self.timelines = [] if timelines is None else timelines
        self.files = files
        self.settings = settings


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
