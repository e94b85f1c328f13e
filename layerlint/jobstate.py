"""The ordered state of a job that several rules ask about, computed once per timeline.

A job's steps run in order in one workspace (and, for Docker, against one daemon and one
``~/.docker/buildx``). What a build does depends on what ran before it in the same job:

* which builder it runs on (rules.md, "Builders (LL401)"): ``docker build`` and
  ``docker image build`` always use the default ``docker``-driver builder, even after
  ``docker buildx use`` (buildx-cache.md 4.2); ``docker buildx build`` uses the builder
  selected by ``docker buildx create --use`` or ``docker buildx use NAME`` earlier in the
  job; ``--builder NAME`` and ``BUILDX_BUILDER`` (step ``env``, job variables, ``export``
  earlier in the script) override both;
* whether a ``docker buildx create --name NAME`` is guarded against NAME existing already
  (rules.md, "Guards (LL402)");
* what runs after a command in its script (cache dir rotation: ``timeline._Moves``).

Rules query :class:`JobState`; they never re-scan scripts.
"""

from __future__ import annotations

from typing import Literal

from layerlint._record import Record
from layerlint.shell import BuilderCommand, Command, parse_docker
from layerlint.timeline import Build, BuilderOp, ScriptRun, Timeline

BuilderKind = Literal["docker", "container", "unknown"]
DEFAULT_BUILDERS = frozenset({"default", "desktop-linux"})
GUARD_CONTEXTS = frozenset({"if-body", "loop-body"})
COND_CONTEXTS = frozenset({"if-cond", "while-cond"})


class BuilderChoice(Record):
    """The builder a build runs on, and how that was decided."""

    __slots__ = ("default_load", "how", "kind", "name")
    kind: BuilderKind
    name: str | None  # the builder's name when known
    how: str  # e.g. "`docker buildx create --use` (line 3)"
    default_load: bool  # created with --driver-opt default-load=true

    def __init__(self, kind: BuilderKind, name: str | None = None, how: str = "",
                 default_load: bool = False) -> None:
        self.kind = kind
        self.name = name
        self.how = how
        self.default_load = default_load


def _unknown(value: str) -> bool:
    return "$" in value or "%" in value or "`" in value


def _export_value(cmd: Command, name: str) -> str | None:
    """``export NAME=V`` / ``NAME=V`` / ``$env:NAME = V`` in a script: V."""
    words = [w.value for w in cmd.words]
    items = [*(w.value for w in cmd.assignments)]
    if words and words[0] in ("export", "declare", "typeset"):
        items.extend(words[1:])
    for item in items:
        key, eq, value = item.partition("=")
        if eq and key == name:
            return value
    if len(words) >= 3 and words[0].lower() == f"$env:{name}".lower() and words[1] == "=":
        return words[2]
    return None


class JobState:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.job = timeline.job
        # per script: (command position, value) of each BUILDX_BUILDER export, in order
        self._exports: dict[int, list[tuple[int, str]]] = {}

    def _ops_before(self, step: int, position: int) -> list[BuilderOp]:
        return [op for op in self.timeline.builder_ops
                if (op.script.index, op.position) < (step, position)]

    # -- builders ----------------------------------------------------------------------
    def builder(self, build: Build) -> BuilderChoice:
        """The builder ``build`` runs on (script builds; Docker@N tasks run ``docker
        build``, which is the docker driver unless ``--builder``/``BUILDX_BUILDER``)."""
        docker = build.docker
        if docker is not None and docker.builder is not None:
            name = build.script.substitute(docker.builder.value) if build.script else (
                docker.builder.value)
            return self._named(name, "`--builder`")
        env_builder = self._env_builder(build)
        if env_builder is not None:
            return self._named(env_builder, "BUILDX_BUILDER")
        if build.command != "docker buildx build":
            return BuilderChoice("docker", None, f"`{build.command}` ignores `docker buildx use`")
        if build.script is None:
            return BuilderChoice("docker", None, "no builder was selected")
        return self._selected(build.script.index, build.position)

    def selected(self, build: Build) -> BuilderChoice:
        """The builder ``docker buildx build`` would run on in ``build``'s place: what the
        job selected with ``create --use``/``use`` before it."""
        if build.script is None:
            return BuilderChoice("docker", None, "no builder was selected")
        return self._selected(build.script.index, build.position)

    def _named(self, name: str, how: str) -> BuilderChoice:
        if _unknown(name) or not name:
            return BuilderChoice("unknown", name, how)
        if name in DEFAULT_BUILDERS:
            return BuilderChoice("docker", name, f"{how} names the default builder")
        return BuilderChoice("container", name, how,
                             default_load=self._default_load(name))

    def _default_load(self, name: str) -> bool:
        for op in self.timeline.builder_ops:
            if op.op.action == "create" and op.op.name is not None and (
                    op.op.name.value == name):
                return _has_default_load(op.op)
        return False

    def _env_builder(self, build: Build) -> str | None:
        step_env = {k.upper(): v for k, v in build.step.env().items()}
        if "BUILDX_BUILDER" in step_env:
            return step_env["BUILDX_BUILDER"]
        found: str | None = self.job.variables.get("buildx_builder")
        run = build.script
        if run is not None:
            exports = self._exports.get(id(run))
            if exports is None:  # scanned once per script, not once per build
                exports = [(i, v) for i, cmd in enumerate(run.commands)
                           if (v := _export_value(cmd, "BUILDX_BUILDER")) is not None]
                self._exports[id(run)] = exports
            for position, value in exports:
                if position >= build.position:
                    break
                found = value
        return found

    def _selected(self, step: int, position: int) -> BuilderChoice:
        choice = BuilderChoice("docker", None, "no container builder was created and "
                               "selected earlier in the job")
        created: set[str] = set()
        for op in self._ops_before(step, position):
            b = op.op
            line = self._line(op.script, op.position)
            if b.action == "create":
                name = b.name.value if b.name is not None else None
                if name is not None:
                    created.add(name)
                if b.use:
                    if name is not None and _unknown(name):
                        choice = BuilderChoice("unknown", name)
                    elif b.driver in (None, "docker-container", "kubernetes", "remote"):
                        choice = BuilderChoice(
                            "container", name, f"`docker buildx create --use` (line {line})",
                            _has_default_load(b))
            elif b.action == "use" and b.name is not None:
                name = b.name.value
                if name in DEFAULT_BUILDERS:
                    choice = BuilderChoice("docker", name, f"`docker buildx use {name}`")
                elif name in created:
                    choice = self._named(name, f"`docker buildx use {name}` (line {line})")
                else:
                    choice = BuilderChoice("unknown", name)  # made outside this job?
        return choice

    @staticmethod
    def _line(run: ScriptRun, position: int) -> int:
        return run.doc.position(run.offset(run.commands[position].start))[0]

    # -- guards ------------------------------------------------------------------------
    def unguarded_creates(self) -> list[BuilderOp]:
        """``docker buildx create --name NAME`` whose failure when NAME exists is not
        handled (rules.md, "Guards (LL402)"). Unnamed or unknown names never collide."""
        out: list[BuilderOp] = []
        for op in self.timeline.builder_ops:
            b = op.op
            if b.action != "create" or b.name is None or b.append:
                continue
            if _unknown(b.name.value) or not b.name.value:
                continue
            if not _guarded(op, b.name.value):
                out.append(op)
        return out


def _has_default_load(b: BuilderCommand) -> bool:
    words = [w.value for w in b.command.words]
    return any("default-load=true" in w for w in words)


def _is_probe(cmd: Command, name: str) -> bool:
    parsed = parse_docker(cmd)
    return (isinstance(parsed, BuilderCommand) and parsed.action in ("inspect", "use", "ls")
            and (parsed.name is None or parsed.name.value == name))


def _guarded(op: BuilderOp, name: str) -> bool:
    commands = op.script.commands
    cmd = commands[op.position]
    if cmd.after == "||":
        return True  # `docker buildx create ... || true` / `|| docker buildx use NAME`
    prev = commands[op.position - 1] if op.position > 0 else None
    if prev is not None and cmd.before in ("||", "&&") and _is_probe(prev, name):
        return True  # `docker buildx inspect NAME || docker buildx create ...`
    if set(cmd.context) & GUARD_CONTEXTS:
        for earlier in commands[:op.position]:
            if set(earlier.context) & COND_CONTEXTS and _is_probe(earlier, name):
                return True
        # PowerShell: `docker buildx inspect NAME *> $null` then
        # `if ($LASTEXITCODE -ne 0) { docker buildx create --name NAME }`
        if op.script.shell == "pwsh":
            before = [c for c in commands[:op.position] if not set(c.context) & COND_CONTEXTS]
            if before and _is_probe(before[-1], name):
                return True
    for earlier in commands[:op.position]:
        parsed = parse_docker(earlier)
        if isinstance(parsed, BuilderCommand) and parsed.action == "rm" and (
                parsed.name is not None and parsed.name.value == name):
            return True
    return False
