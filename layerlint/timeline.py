"""Job timelines: for each job, in order, the image builds and the Cache@2 steps, each with
resolved paths and its position in the file that holds its text.

This is where scripts are lexed (once per step) and where docker build commands, Docker@N
and DockerCompose@N tasks become :class:`Build` records. Rules ask questions of timelines;
they never re-scan scripts.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable

from layerlint.pipeline.model import Job, Step
from layerlint.pipeline.paths import SOURCES_DIR, DirPath, directory
from layerlint.pipeline.scripts import Script, inline_script
from layerlint.shell import (
    BuilderCommand,
    CacheSpec,
    Command,
    DockerBuild,
    parse_bash,
    parse_docker,
    parse_powershell,
)
from layerlint.timeline_types import (
    PERSISTENT_TYPES,
    Build,
    BuilderOp,
    BuildKind,
    CacheRef,
    CacheTask,
    ComposeCache,
    ScriptRun,
    Timeline,
)

__all__ = [
    "PERSISTENT_TYPES", "Build", "BuildKind", "BuilderOp", "CacheRef", "CacheTask",
    "ComposeCache", "ScriptRun", "Timeline", "build_timeline", "caches_for", "primary_dir",
    "stray_caches",
]

def build_timeline(job: Job, compose_cache: ComposeCache | None = None,
                   compose_builds: ComposeCache | None = None) -> Timeline:
    """``compose_cache``/``compose_builds``: whether a compose file declares a cache for
    every service it builds / has a service that builds (None: the file is not known)."""
    timeline = Timeline(job)
    for index, step in enumerate(job.steps):
        task = step.task
        if task is not None and task[0] == "cache":
            timeline.caches.append(_cache_task(step, index, job))
            continue
        if task is not None and task[0] == "docker" and task[1] in (0, 1, 2):
            build = _docker_task(step, index, job, task[1])
            if build is not None:
                timeline.builds.append(build)
            continue
        if task is not None and task[0] == "dockercompose" and task[1] in (0, 1):
            build = _compose_task(step, index, task[1], compose_cache, compose_builds)
            if build is not None:
                timeline.builds.append(build)
            continue
        script = inline_script(step, job.pool)
        if script is not None:
            timeline.builds.extend(
                _script_builds(step, index, job, script, compose_cache, timeline))
    _rotated_later(timeline)
    return timeline


def _rotated_later(timeline: Timeline) -> None:
    """Follow an exported cache dir through ``mv``/``cp`` in later script steps of the job
    (the fixed form rotates ``DIR-new`` into ``DIR`` in a step of its own)."""
    variables = timeline.job.variables
    moves: list[tuple[int, _Moves, Callable[[str], str], dict[str, str]]] | None = None
    for build in timeline.builds:
        for n, ref in enumerate(build.exports):
            if ref.dir is None or ref.written_dir is None or ref.dir is not ref.written_dir:
                continue  # not local, or already moved within its own script
            if moves is None:  # each script's mv/cp, indexed once per job
                moves = [(run.index, _Moves(run.commands), run.substitute, run.step.env())
                         for run in timeline.scripts]
                moves = [m for m in moves if m[1].moves]
            final = ref.dir
            for index, script_moves, substitute, env in moves:
                if index <= build.index:
                    continue
                final = script_moves.follow(final, -1, substitute, variables, SOURCES_DIR, env)
            if final is not ref.dir:
                build.exports[n] = CacheRef(ref.spec, ref.direction, final, ref.written_dir)


# -- Cache@2 ----------------------------------------------------------------------------
def _cache_task(step: Step, index: int, job: Job) -> CacheTask:
    found = step.input("path")
    path = None
    if found is not None:
        text = found[1].text(found[0])
        if text:
            path = directory(text, job.variables)
    return CacheTask(step, index, path, found[0] if found else None,
                     found[1] if found else None, step.input_text("key"))


# -- scripts ----------------------------------------------------------------------------
def _script_builds(step: Step, index: int, job: Job, script: Script,
                   compose_cache: ComposeCache | None, timeline: Timeline) -> list[Build]:
    text: str = script.node.value
    if "docker" not in text:
        return []  # every command the timeline records is a docker command
    commands = parse_powershell(text) if script.shell == "pwsh" else parse_bash(text)
    doc = script.scope.doc
    offset = doc.scalar_offsets(script.node)
    env = step.env()
    variables = job.variables
    workdir = script.working_directory
    cwd = directory(workdir, variables, SOURCES_DIR, env) if workdir else SOURCES_DIR
    sub = script.scope.substitute
    run = ScriptRun(step, index, doc, script.node, text, script.shell, commands, offset, sub)
    timeline.scripts.append(run)
    builds: list[Build] = []
    moves: _Moves | None = None  # the script's mv/cp, indexed once
    for i, cmd in enumerate(commands):
        if not cmd.words:
            continue
        name = cmd.words[0].value
        if name in ("cd", "Set-Location", "pushd", "sl") and len(cmd.words) > 1 and not (
            set(cmd.context) & {"subst", "subshell"}
        ):
            cwd = directory(sub(cmd.words[-1].value), variables, cwd, env)
            continue
        parsed = parse_docker(cmd)
        if isinstance(parsed, BuilderCommand):
            timeline.builder_ops.append(BuilderOp(run, i, parsed))
        if not isinstance(parsed, DockerBuild):
            continue
        build = Build(step, index, "compose" if parsed.compose else "script", parsed.tool, doc,
                      offset(cmd.start), offset(cmd.end), docker=parsed,
                      no_cache=parsed.no_cache, script=run, position=i, cwd=cwd)
        for spec in parsed.cache_from:
            d = _spec_dir(spec, "src", sub, variables, cwd, env)
            build.imports.append(CacheRef(spec, "from", d))
        for spec in parsed.cache_to:
            d = _spec_dir(spec, "dest", sub, variables, cwd, env)
            if moves is None:
                moves = _Moves(commands)
            final = moves.follow(d, i, sub, variables, cwd, env) if d else None
            build.exports.append(CacheRef(spec, "to", final, d))
        if parsed.compose and compose_cache is not None:
            files = parsed.files[0].value if parsed.files else None
            build.compose_cached = compose_cache(doc, sub(files) if files else None, cwd)
        builds.append(build)
    return builds


def _spec_dir(spec: CacheSpec, key: str, sub: Callable[[str], str],
              variables: dict[str, str], cwd: DirPath, env: dict[str, str]) -> DirPath | None:
    if spec.type != "local":
        return None
    value = spec.get(key)
    if value is None:
        return None
    return directory(sub(value), variables, cwd, env)


_MOVES = frozenset({"mv", "cp", "Move-Item", "Copy-Item", "move", "rsync"})


def _move_args(cmd: Command) -> tuple[str, str] | None:
    """``(source, target)`` of a ``mv``/``cp`` (``sudo`` allowed) with two operands."""
    words = cmd.words
    first = 1 if words and words[0].value == "sudo" else 0
    if len(words) <= first or words[first].value not in _MOVES:
        return None
    args = [w.value for w in words[first + 1:] if not w.value.startswith("-")]
    return (args[0], args[1]) if len(args) == 2 else None


class _Moves:
    """The ``mv``/``cp`` commands of a script, indexed by the directory they move (per
    working directory), so that following an exported dir through them costs a lookup
    per hop instead of a scan: a script of thousands of builds and moves stays linear."""

    def __init__(self, commands: list[Command]) -> None:
        self.moves = [(j, args) for j, c in enumerate(commands)
                      if (args := _move_args(c)) is not None]
        self._index: dict[str, dict[str, list[tuple[int, str]]]] = {}

    def follow(self, dest: DirPath, after: int, sub: Callable[[str], str],
               variables: dict[str, str], cwd: DirPath, env: dict[str, str]) -> DirPath:
        """Where ``dest`` ends up after the moves at positions greater than ``after``."""
        if not self.moves:
            return dest
        index = self._index.get(cwd.key)
        if index is None:
            index = self._index[cwd.key] = {}
            for j, (src, target) in self.moves:
                key = directory(sub(src), variables, cwd, env).key
                index.setdefault(key, []).append((j, target))
        current, pos = dest, after
        for _ in range(len(self.moves)):
            hops = index.get(current.key)
            if not hops:
                break
            k = bisect.bisect_right(hops, (pos, "\uffff"))
            if k == len(hops):
                break
            pos, target = hops[k]
            current = directory(sub(target), variables, cwd, env)
        return current


# -- tasks ------------------------------------------------------------------------------
_DOCKER_BUILD_COMMANDS = {
    0: ("action", "build an image", {"build an image"}),
    1: ("command", "build an image", {"build an image", "build"}),
}


def _docker_task(step: Step, index: int, job: Job, major: int) -> Build | None:
    """Docker@0/1/2 tasks that build (rules.md, "Which tasks build"; azure-pipelines.md 3.3:
    Docker@2's default command is buildAndPush, and buildAndPush ignores ``arguments``)."""
    if major >= 2:
        command = (step.input_text("command") or "buildAndPush").strip()
        low = command.lower()
        if low not in ("build", "buildandpush"):
            return None
        label = "buildAndPush" if low == "buildandpush" else "build"
    else:
        key, default, builds = _DOCKER_BUILD_COMMANDS.get(major, _DOCKER_BUILD_COMMANDS[1])
        command = (step.input_text(key) or default).strip()
        if command.lower() not in builds:
            return None
        label = command
    start, end = step.origin.start, step.origin.end
    build = Build(step, index, "task", f"Docker@{major} {label}", step.doc, start, end)
    arguments = step.input_text("arguments")
    if label == "buildAndPush":
        build.note = "buildAndPush ignores `arguments`"
        return build
    if arguments:
        _task_argument_caches(build, arguments, job)
    return build


def _task_argument_caches(build: Build, arguments: str, job: Job) -> None:
    """Docker@N ``arguments`` are spliced into ``docker build -f F ARGS -t T CONTEXT``
    (azure-pipelines.md 3.3), so they are parsed as the flags of such a command."""
    commands = parse_bash("docker build " + arguments.replace("\n", " ") + " .")
    parsed = parse_docker(commands[0]) if commands else None
    if not isinstance(parsed, DockerBuild):
        return
    build.no_cache = parsed.no_cache
    for spec in parsed.cache_from:
        src = spec.get("src")
        d = directory(src, job.variables) if spec.type == "local" and src else None
        build.imports.append(CacheRef(spec, "from", d))
    for spec in parsed.cache_to:
        dest = spec.get("dest")
        d = directory(dest, job.variables) if spec.type == "local" and dest else None
        build.exports.append(CacheRef(spec, "to", d, d))


def _compose_task(step: Step, index: int, major: int, compose_cache: ComposeCache | None,
                  compose_builds: ComposeCache | None = None) -> Build | None:
    """DockerCompose@0/1 builds with ``Build services``, ``Run a Docker Compose command``
    whose command is ``build`` or ``up --build``, and ``Run services`` unless
    ``buildImages: false`` (its default is true) when the compose file has a service with
    ``build:`` or cannot be read (rules.md, "Which tasks build")."""
    action = (step.input_text("action") or "Run a Docker Compose command").strip().lower()
    files = step.input_text("dockerComposeFile")
    if action == "build services":
        label = "build services"
    elif action == "run services":
        if (step.input_text("buildImages") or "true").strip().lower() == "false":
            return None
        if compose_builds is not None and compose_builds(step.doc, files, SOURCES_DIR) is False:
            return None  # no service has a build section: nothing is built
        label = "run services"
    elif action == "run a docker compose command":
        cmd = " ".join((step.input_text("dockerComposeCommand") or "").split()).lower()
        if not (cmd.startswith("build") or (cmd.startswith("up") and "--build" in cmd)):
            return None
        label = cmd.split()[0]
    else:
        return None
    build = Build(step, index, "compose", f"DockerCompose@{major} {label}", step.doc,
                  step.origin.start, step.origin.end)
    if compose_cache is not None:
        build.compose_cached = compose_cache(step.doc, files, SOURCES_DIR)
    return build



def primary_dir(build: Build) -> DirPath | None:
    """The local cache dir a Cache@2 must restore for ``build``: the import's ``src``, or
    (a build that only exports) the export's final ``dest``."""
    for ref in build.imports:
        if ref.spec.type == "local" and ref.dir is not None:
            return ref.dir
    for ref in build.exports:
        if ref.spec.type == "local" and ref.dir is not None:
            return ref.dir
    return None


_CACHE_INDEX: weakref.WeakKeyDictionary[
    Timeline, tuple[dict[str, list[CacheTask]], set[str], bool]] = weakref.WeakKeyDictionary()


def caches_for(timeline: Timeline, path: DirPath) -> tuple[list[CacheTask], bool]:
    """Cache@2 steps whose ``path`` is ``path``, and whether any comparison was undecidable
    (a value the linter cannot know: then rules say nothing)."""
    index = _CACHE_INDEX.get(timeline)
    if index is None:  # once per job: thousands of builds and Cache@2 steps stay linear
        by_key: dict[str, list[CacheTask]] = {}
        unknown_keys: set[str] = set()
        no_path = False
        for cache in timeline.caches:
            if cache.path is None:
                no_path = True
                continue
            by_key.setdefault(cache.path.key, []).append(cache)
            if not cache.path.known:
                unknown_keys.add(cache.path.key)
        index = _CACHE_INDEX[timeline] = (by_key, unknown_keys, no_path)
    by_key, unknown_keys, no_path = index
    matches = list(by_key.get(path.key, []))
    # DirPath.same: equal keys are the same dir; otherwise undecidable when either side
    # is not known
    if path.known:
        unknown = no_path or bool(unknown_keys - {path.key})
    else:
        unknown = no_path or any(key != path.key for key in by_key)
    return matches, unknown


def stray_caches(timeline: Timeline) -> list[tuple[CacheTask, list[DirPath]]]:
    """Layer-cache Cache@2 steps whose path is none of the job's local cache dirs (decidably),
    with those dirs. A Cache@2 counts as a layer cache when its key or path names docker,
    buildx, buildkit, layer or image: an npm cache in the same job is not tied to a build."""
    dirs: dict[str, DirPath] = {}
    for build in timeline.builds:
        for d in build.local_dirs:
            dirs.setdefault(d.key, d)
    out: list[tuple[CacheTask, list[DirPath]]] = []
    if not dirs:
        return out
    for cache in timeline.caches:
        if cache.path is None or not cache.looks_like_layer_cache():
            continue
        results = [cache.path.same(d) for d in dirs.values()]
        if any(r is None or r for r in results):
            continue
        out.append((cache, list(dirs.values())))
    return out
