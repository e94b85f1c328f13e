"""The records of a job timeline (see :mod:`layerlint.timeline`): image builds with their
cache imports/exports, Cache@2 steps, lexed inline scripts and buildx builder commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from layerlint.document import Document, Node
from layerlint.pipeline.model import Job, Step
from layerlint.pipeline.paths import SOURCES_DIR, DirPath
from layerlint.pipeline.scope import Origin, Scope
from layerlint.shell import BuilderCommand, CacheSpec, Command, DockerBuild

# Cache imports that survive between runs on Microsoft-hosted agents (rules.md, "cached").
PERSISTENT_TYPES = frozenset({"local", "registry", "azblob", "s3"})
BuildKind = Literal["script", "task", "compose"]
ComposeCache = Callable[[Document, str | None, DirPath], bool | None]


@dataclass(frozen=True)
class CacheRef:
    spec: CacheSpec
    direction: Literal["from", "to"]
    dir: DirPath | None  # the local directory (src for imports, final dest for exports)
    written_dir: DirPath | None = None  # for exports: dest as written, before rotation


@dataclass
class ScriptRun:
    """An inline script of a step, lexed once: its commands in order, the file holding its
    text and how script offsets map to file offsets."""

    step: Step
    index: int  # index of the step in its job
    doc: Document
    node: Node
    text: str
    shell: str
    commands: list[Command]
    offset: Callable[[int], int]
    substitute: Callable[[str], str]


@dataclass(frozen=True)
class BuilderOp:
    """``docker buildx create|use|rm|inspect`` at command ``position`` of ``script``."""

    script: ScriptRun
    position: int
    op: BuilderCommand


@dataclass
class Build:
    step: Step
    index: int  # index of the step in its job
    kind: BuildKind
    command: str  # e.g. "docker build", "Docker@2 buildAndPush"
    doc: Document
    start: int
    end: int
    imports: list[CacheRef] = field(default_factory=list)
    exports: list[CacheRef] = field(default_factory=list)
    docker: DockerBuild | None = None
    no_cache: bool = False
    compose_cached: bool | None = None  # compose: cache_from declared in the compose file
    note: str = ""  # why a task cannot be cached as written (e.g. buildAndPush)
    script: ScriptRun | None = None  # the script holding the command (script/compose)
    position: int = -1  # index of the command in ``script.commands``
    cwd: DirPath = SOURCES_DIR  # working directory of the command

    @property
    def cached(self) -> bool:
        if self.kind == "compose":
            return bool(self.compose_cached)
        return not self.no_cache and any(
            ref.spec.type in PERSISTENT_TYPES for ref in self.imports
        )

    @property
    def local_dirs(self) -> list[DirPath]:
        seen: dict[str, DirPath] = {}
        for ref in (*self.imports, *self.exports):
            if ref.spec.type == "local" and ref.dir is not None:
                seen.setdefault(ref.dir.key, ref.dir)
        return list(seen.values())

    @property
    def via(self) -> tuple[Origin, ...]:
        return self.step.scope.via


@dataclass
class CacheTask:
    step: Step
    index: int
    path: DirPath | None
    path_node: Node | None
    path_scope: Scope | None
    key: str | None

    def looks_like_layer_cache(self) -> bool:
        text = f"{self.key or ''} {self.path.written if self.path else ''}".lower()
        return any(w in text for w in ("docker", "buildx", "buildkit", "layer", "image"))


@dataclass(eq=False)  # identity: timelines key per-job memos (fixes.plan)
class Timeline:
    job: Job
    builds: list[Build] = field(default_factory=list)
    caches: list[CacheTask] = field(default_factory=list)
    scripts: list[ScriptRun] = field(default_factory=list)
    builder_ops: list[BuilderOp] = field(default_factory=list)
