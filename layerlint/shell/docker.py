"""Recognise ``docker build`` style commands and parse their options."""

from __future__ import annotations

from layerlint._record import Record

from ._cache import CacheSpec, cache_spec
from ._flags import (
    BUILD_BOOL,
    BUILDER_VALUE,
    BUILDX_VALUE,
    COMPOSE_GLOBAL_VALUE,
    COMPOSE_VALUE,
    DOCKER_GLOBAL_VALUE,
    bool_value,
    parse_options,
    skip_wrappers,
    tool_name,
)
from ._types import Command, Word

__all__ = ["BuilderCommand", "CacheSpec", "DockerBuild", "cache_spec", "parse_docker"]


class DockerBuild(Record):
    """An image build: ``docker [buildx|image|builder] build``, or a compose build."""

    __slots__ = (
        "build_args",
        "builder",
        "cache_from",
        "cache_to",
        "command",
        "compose",
        "context",
        "files",
        "load",
        "no_cache",
        "options",
        "outputs",
        "platforms",
        "push",
        "subcommand_index",
        "sudo",
        "tags",
        "target",
        "tool",
    )
    command: Command
    tool: str
    compose: bool
    sudo: bool
    cache_from: tuple[CacheSpec, ...]
    cache_to: tuple[CacheSpec, ...]
    files: tuple[Word, ...]
    tags: tuple[Word, ...]
    load: bool
    push: bool
    outputs: tuple[Word, ...]
    builder: Word | None
    no_cache: bool
    target: Word | None
    platforms: tuple[Word, ...]
    build_args: tuple[Word, ...]
    context: Word | None
    subcommand_index: int
    options: tuple[tuple[str, Word | None], ...]

    def __init__(self, command: Command, tool: str, compose: bool, sudo: bool,
                 cache_from: tuple[CacheSpec, ...], cache_to: tuple[CacheSpec, ...],
                 files: tuple[Word, ...], tags: tuple[Word, ...], load: bool, push: bool,
                 outputs: tuple[Word, ...], builder: Word | None, no_cache: bool,
                 target: Word | None, platforms: tuple[Word, ...], build_args: tuple[Word, ...],
                 context: Word | None, subcommand_index: int,
                 options: tuple[tuple[str, Word | None], ...]) -> None:
        self.command = command
        self.tool = tool
        self.compose = compose
        self.sudo = sudo
        self.cache_from = cache_from
        self.cache_to = cache_to
        self.files = files
        self.tags = tags
        self.load = load
        self.push = push
        self.outputs = outputs
        self.builder = builder
        self.no_cache = no_cache
        self.target = target
        self.platforms = platforms
        self.build_args = build_args
        self.context = context
        self.subcommand_index = subcommand_index
        self.options = options


class BuilderCommand(Record):
    """``docker buildx create|use|rm|inspect``."""

    __slots__ = ("action", "append", "command", "driver", "name", "use")
    command: Command
    action: str
    name: Word | None
    driver: str | None
    use: bool
    append: bool

    def __init__(self, command: Command, action: str, name: Word | None, driver: str | None,
                 use: bool, append: bool) -> None:
        self.command = command
        self.action = action
        self.name = name
        self.driver = driver
        self.use = use
        self.append = append


_LONG = {"-t": "--tag", "-f": "--file", "-o": "--output", "-q": "--quiet", "-m": "--memory"}


def _canon(name: str) -> str:
    return _LONG.get(name, name)


def parse_docker(cmd: Command) -> DockerBuild | BuilderCommand | None:
    """Classify ``cmd``: a docker image build, a buildx builder command, or None."""
    words = cmd.words
    i, sudo = skip_wrappers(words)
    if i >= len(words):
        return None
    binary = tool_name(words[i].value)
    if binary == "docker-compose":
        return _compose(cmd, i + 1, sudo, "docker-compose")
    if binary != "docker":
        return None
    i, _ = parse_options(words, i + 1, DOCKER_GLOBAL_VALUE, stop_at_positional=True)
    if i >= len(words):
        return None
    sub = words[i].value
    if sub in ("build", "image", "builder"):
        if sub != "build":
            if i + 1 >= len(words) or words[i + 1].value != "build":
                return None
            i += 1
        return _build(cmd, i + 1, sudo, f"docker {sub} build" if sub != "build" else "docker build")
    if sub == "compose":
        return _compose(cmd, i + 1, sudo, "docker compose")
    if sub != "buildx":
        return None
    i, opts = parse_options(words, i + 1, BUILDX_VALUE, stop_at_positional=True)
    if i >= len(words):
        return None
    builder = next((o.value for o in opts if o.name == "--builder"), None)
    action = words[i].value
    if action in ("build", "b"):
        return _build(cmd, i + 1, sudo, "docker buildx build", builder)
    if action in ("create", "use", "rm", "inspect"):
        return _builder_cmd(cmd, i + 1, action)
    return None


def _build(
    cmd: Command, start: int, sudo: bool, tool: str, builder: Word | None = None
) -> DockerBuild:
    _, opts = parse_options(cmd.words, start, None, bool_flags=BUILD_BOOL)
    cache_from: list[CacheSpec] = []
    cache_to: list[CacheSpec] = []
    files: list[Word] = []
    tags: list[Word] = []
    outputs: list[Word] = []
    platforms: list[Word] = []
    build_args: list[Word] = []
    load = push = no_cache = False
    target: Word | None = None
    context: Word | None = None
    for o in opts:
        name, v = _canon(o.name), o.value
        if o.positional:
            if context is None:
                context = v
            continue
        if name in ("--load", "--push", "--no-cache"):
            flag = bool_value(v)
            if name == "--load":
                load = load or flag
            elif name == "--push":
                push = push or flag
            else:
                no_cache = flag
        if v is None:
            continue
        if name == "--cache-from":
            cache_from.extend(cache_spec(v))
        elif name == "--cache-to":
            cache_to.extend(cache_spec(v))
        elif name == "--file":
            files.append(v)
        elif name == "--tag":
            tags.append(v)
        elif name == "--output":
            outputs.append(v)
            kind = _output_type(v.value)
            load = load or kind == "docker"
            push = push or kind == "registry" or (kind == "image" and "push=true" in v.value)
        elif name == "--builder":
            builder = v
        elif name == "--target":
            target = v
        elif name == "--platform":
            platforms.append(v)
        elif name == "--build-arg":
            build_args.append(v)
    return DockerBuild(
        command=cmd, tool=tool, compose=False, sudo=sudo,
        cache_from=tuple(cache_from), cache_to=tuple(cache_to), files=tuple(files),
        tags=tuple(tags), load=load, push=push, outputs=tuple(outputs), builder=builder,
        no_cache=no_cache, target=target, platforms=tuple(platforms),
        build_args=tuple(build_args), context=context, subcommand_index=start,
        options=tuple((o.name, o.value) for o in opts if not o.positional),
    )  # fmt: skip


def _output_type(value: str) -> str:
    """The exporter type of an ``--output`` value (a bare path is 'local', ``-`` is 'tar')."""
    if "=" not in value:
        return "tar" if value == "-" else "local"
    specs = cache_spec(Word(value, 0, 0))
    return specs[0].type if specs else ""


def _compose(cmd: Command, start: int, sudo: bool, tool: str) -> DockerBuild | None:
    words = cmd.words
    i, gopts = parse_options(words, start, COMPOSE_GLOBAL_VALUE, stop_at_positional=True)
    if i >= len(words):
        return None
    sub = words[i].value
    if sub not in ("build", "up"):
        return None
    _, opts = parse_options(words, i + 1, COMPOSE_VALUE)
    named = [o for o in opts if not o.positional]
    if sub == "up":
        if not any(o.name == "--build" and bool_value(o.value) for o in named):
            return None
        tool += " up --build"
    else:
        tool += " build"

    def values(*names: str) -> tuple[Word, ...]:
        return tuple(o.value for o in named if o.name in names and o.value is not None)

    builders = values("--builder")
    return DockerBuild(
        command=cmd, tool=tool, compose=True, sudo=sudo, cache_from=(), cache_to=(),
        files=tuple(o.value for o in gopts if o.name in ("-f", "--file") and o.value),
        tags=(), load=False,
        push=any(o.name == "--push" and bool_value(o.value) for o in named),
        outputs=(), builder=builders[-1] if builders else None,
        no_cache=any(o.name == "--no-cache" and bool_value(o.value) for o in named),
        target=None, platforms=(), build_args=values("--build-arg"), context=None,
        subcommand_index=i + 1, options=tuple((o.name, o.value) for o in named),
    )  # fmt: skip


def _builder_cmd(cmd: Command, start: int, action: str) -> BuilderCommand:
    _, opts = parse_options(cmd.words, start, BUILDER_VALUE)
    name: Word | None = None
    driver: str | None = None
    use = append = False
    for o in opts:
        if o.positional:
            if action != "create" and name is None:
                name = o.value
        elif o.name == "--name" and action == "create":
            name = o.value
        elif o.name == "--driver" and o.value is not None:
            driver = o.value.value
        elif o.name == "--use":
            use = bool_value(o.value)
        elif o.name == "--append":
            append = bool_value(o.value)
    return BuilderCommand(cmd, action, name, driver, use, append)
