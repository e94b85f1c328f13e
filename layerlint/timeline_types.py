"""The records of a job timeline (see :mod:`layerlint.timeline`): image builds with their
cache imports/exports, Cache@2 steps, lexed inline scripts and buildx builder commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from layerlint._record import MutableRecord, Record
from layerlint.document import Document, Node
from layerlint.pipeline.model import Job, Step
from layerlint.pipeline.paths import SOURCES_DIR, DirPath
from layerlint.pipeline.scope import Origin, Scope
from layerlint.shell import BuilderCommand, CacheSpec, Command, DockerBuild

# Cache imports that survive between runs on Microsoft-hosted agents (rules.md, "cached").
PERSISTENT_TYPES = frozenset({"local", "registry", "azblob", "s3"})
BuildKind = Literal["script", "task", "compose"]
ComposeCache = Callable[[Document, str | None, DirPath], bool | None]


class CacheRef(Record):
    __slots__ = ("dir", "direction", "spec", "written_dir")
    spec: CacheSpec
    direction: Literal["from", "to"]
    dir: DirPath | None  # the local directory (src for imports, final dest for exports)
    written_dir: DirPath | None  # for exports: dest as written, before rotation

    def __init__(self, spec: CacheSpec, direction: Literal["from", "to"], dir: DirPath | None,
                 written_dir: DirPath | None = None) -> None:
        self.spec = spec
        self.direction = direction
        self.dir = dir
        self.written_dir = written_dir


class ScriptRun(MutableRecord):
    """An inline script of a step, lexed once: its commands in order, the file holding its
    text and how script offsets map to file offsets."""

    __slots__ = (
        "commands",
        "doc",
        "index",
        "node",
        "offset",
        "shell",
        "step",
        "substitute",
        "text",
    )
    step: Step
    index: int  # index of the step in its job
    doc: Document
    node: Node
    text: str
    shell: str
    commands: list[Command]
    offset: Callable[[int], int]
    substitute: Callable[[str], str]

    def __init__(self, step: Step, index: int, doc: Document, node: Node, text: str, shell: str,
                 commands: list[Command], offset: Callable[[int], int],
                 substitute: Callable[[str], str]) -> None:
        self.step = step
        self.index = index
        self.doc = doc
        self.node = node
        self.text = text
        self.shell = shell
        self.commands = commands
        self.offset = offset
        self.substitute = substitute


class BuilderOp(Record):
    """``docker buildx create|use|rm|inspect`` at command ``position`` of ``script``."""

    __slots__ = ("op", "position", "script")
    script: ScriptRun
    position: int
    op: BuilderCommand

    def __init__(self, script: ScriptRun, position: int, op: BuilderCommand) -> None:
        self.script = script
        self.position = position
        self.op = op


class Build(MutableRecord):
    __slots__ = (
        "command",
        "compose_cached",
        "cwd",
        "doc",
        "docker",
        "end",
        "exports",
        "imports",
        "index",
        "kind",
        "no_cache",
        "note",
        "position",
        "script",
        "start",
        "step",
    )
    step: Step
    index: int  # index of the step in its job
    kind: BuildKind
    command: str  # e.g. "docker build", "Docker@2 buildAndPush"
    doc: Document
    start: int
    end: int
    imports: list[CacheRef]
    exports: list[CacheRef]
    docker: DockerBuild | None
    no_cache: bool
    compose_cached: bool | None  # compose: cache_from declared in the compose file
    note: str  # why a task cannot be cached as written (e.g. buildAndPush)
    script: ScriptRun | None  # the script holding the command (script/compose)
    position: int  # index of the command in ``script.commands``
    cwd: DirPath  # working directory of the command

    def __init__(self, step: Step, index: int, kind: BuildKind, command: str, doc: Document,
                 start: int, end: int, imports: list[CacheRef] | None = None,
                 exports: list[CacheRef] | None = None, docker: DockerBuild | None = None,
                 no_cache: bool = False, compose_cached: bool | None = None, note: str = "",
                 script: ScriptRun | None = None, position: int = -1,
                 cwd: DirPath = SOURCES_DIR) -> None:
        self.step = step
        self.index = index
        self.kind = kind
        self.command = command
        self.doc = doc
        self.start = start
        self.end = end
        self.imports = [] if imports is None else imports
        self.exports = [] if exports is None else exports
        self.docker = docker
        self.no_cache = no_cache
        self.compose_cached = compose_cached
        self.note = note
        self.script = script
        self.position = position
        self.cwd = cwd

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


class CacheTask(MutableRecord):
    __slots__ = ("index", "key", "path", "path_node", "path_scope", "step")
    step: Step
    index: int
    path: DirPath | None
    path_node: Node | None
    path_scope: Scope | None
    key: str | None

    def __init__(self, step: Step, index: int, path: DirPath | None, path_node: Node | None,
                 path_scope: Scope | None, key: str | None) -> None:
        self.step = step
        self.index = index
        self.path = path
        self.path_node = path_node
        self.path_scope = path_scope
        self.key = key

    def looks_like_layer_cache(self) -> bool:
        text = f"{self.key or ''} {self.path.written if self.path else ''}".lower()
        return any(w in text for w in ("docker", "buildx", "buildkit", "layer", "image"))


class Timeline:  # identity: timelines key per-job memos (fixes.plan)
    __slots__ = ("__weakref__", "builder_ops", "builds", "caches", "job", "scripts")
    job: Job
    builds: list[Build]
    caches: list[CacheTask]
    scripts: list[ScriptRun]
    builder_ops: list[BuilderOp]

    def __init__(self, job: Job, builds: list[Build] | None = None,
                 caches: list[CacheTask] | None = None, scripts: list[ScriptRun] | None = None,
                 builder_ops: list[BuilderOp] | None = None) -> None:
        self.job = job
        self.builds = [] if builds is None else builds
        self.caches = [] if caches is None else caches
        self.scripts = [] if scripts is None else scripts
        self.builder_ops = [] if builder_ops is None else builder_ops
