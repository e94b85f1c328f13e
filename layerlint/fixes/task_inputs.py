"""What a ``Docker@0/1/2`` build task runs, read from its inputs as written (template
expressions and macros kept: the fixed text goes into the same file and must work for every
caller), in the terms of the ``docker build`` command line the task itself assembles.

* Docker@2 (azure-pipelines.md 3.3, ``dockerbuild.ts``): ``-f Dockerfile <arguments> -t
  REGISTRY/repository:TAG... buildContext``; ``buildContext``'s default ``**`` is the
  Dockerfile's directory; ``tags`` (default ``$(Build.BuildId)``) split on newlines and
  commas; ``buildAndPush`` ignores ``arguments``; the image name (registry and repository,
  not the tag) is lower-cased.
* Docker@1 (``Tasks/DockerV1/containerbuild.ts``): ``-f dockerFile <arguments> -t
  imageName`` (default ``$(Build.Repository.Name):$(Build.BuildId)``), ``-t NAME:TAG`` per
  source tag (``includeSourceTags``), ``-t NAME`` (``includeLatestTag``, when the name has a
  tag), ``-m memoryLimit``, context: the Dockerfile's directory (``useDefaultContext``,
  default true) or ``buildContext``. The registry (``azureContainerRegistry`` of an Azure
  subscription connection, JSON ``{"loginServer": ...}`` or the login server itself; or
  ``dockerRegistryEndpoint``) prefixes a name that has no registry part
  (``qualifyImageName``, default true); ``enforceDockerNamingConvention`` (default true)
  lower-cases the whole name, tag included.
* Docker@0 (``Tasks/DockerV0/containerbuild.ts``): as Docker@1, with ``--build-arg`` per
  line of ``buildArguments``, ``-t NAME:TAG`` per line of ``additionalImageTags``,
  ``memory``, ``defaultContext``/``context`` and a ``cwd`` input.
"""

from __future__ import annotations

import re

from layerlint._record import MutableRecord
from layerlint.pipeline.model import Step

_TRUE = ("true", "yes", "on", "1")


def raw_input(step: Step, *names: str) -> str | None:
    """A task input as written in the file that holds it: template expressions kept
    (``${{ parameters.x }}``), never a parameter's default substituted."""
    for name in names:
        found = step.input(name)
        if found is not None:
            value = getattr(found[0], "value", None)
            return value if isinstance(value, str) else None
    return None


def _flag(step: Step, name: str, default: bool) -> bool | None:
    """A boolean input; None when it is an expression the linter cannot read."""
    text = raw_input(step, name)
    if text is None or not text.strip():
        return default
    low = text.strip().lower()
    if low in _TRUE or low in ("false", "no", "off", "0"):
        return low in _TRUE
    return None


class TaskBuild(MutableRecord):
    __slots__ = (
        "acr_server",
        "connection",
        "context",
        "dockerfile",
        "extra",
        "login_inputs",
        "lower_all",
        "major",
        "names",
        "push",
        "qualify",
        "repository",
    )
    major: int
    push: bool  # buildAndPush
    dockerfile: str
    context: str | None  # None: the Dockerfile's directory
    repository: str  # the image name the key and cache dir are named after
    names: list[str]  # -t values, before the registry prefix
    extra: list[str]  # other flags, in the task's order
    connection: str | None  # the registry input's text (the login step's value)
    login_inputs: list[tuple[str, str]]
    acr_server: str | None  # Docker@0/1: the login server the inputs spell out
    qualify: bool  # whether the registry prefixes the names
    lower_all: bool  # the whole name, tag included, is lower-cased

    def __init__(self, major: int, push: bool, dockerfile: str, context: str | None,
                 repository: str, names: list[str] | None = None, extra: list[str] | None = None,
                 connection: str | None = None, login_inputs: list[tuple[str, str]] | None = None,
                 acr_server: str | None = None, qualify: bool = True,
                 lower_all: bool = False) -> None:
        self.major = major
        self.push = push
        self.dockerfile = dockerfile
        self.context = context
        self.repository = repository
        self.names = [] if names is None else names
        self.extra = [] if extra is None else extra
        self.connection = connection
        self.login_inputs = [] if login_inputs is None else login_inputs
        self.acr_server = acr_server
        self.qualify = qualify
        self.lower_all = lower_all


def read_task(step: Step, major: int) -> TaskBuild | str:
    """The task's build, or why it cannot be written as a script."""
    if major == 2:
        return _docker2(step)
    return _docker01(step, major)


def split_tags(text: str) -> list[str]:
    """``tags`` split on newlines and commas, as the task does after template expressions
    were expanded: a comma inside ``${{ }}`` does not split."""
    out, cur, depth, i = [], "", 0, 0
    while i < len(text):
        if text.startswith("${{", i):
            depth += 1
            cur += "${{"
            i += 3
            continue
        if depth and text.startswith("}}", i):
            depth -= 1
            cur += "}}"
            i += 2
            continue
        if not depth and text[i] in "\n,":
            out.append(cur)
            cur = ""
        else:
            cur += text[i]
        i += 1
    out.append(cur)
    return [t.strip() for t in out if t.strip()]


def _docker2(step: Step) -> TaskBuild | str:
    command = (raw_input(step, "command") or "buildAndPush").strip().lower()
    push = command == "buildandpush"
    repository = raw_input(step, "repository") or ""
    tags = split_tags(raw_input(step, "tags") or "$(Build.BuildId)")
    context = raw_input(step, "buildContext")
    if context is not None and context.strip() in ("", "**"):
        context = None
    build = TaskBuild(2, push, raw_input(step, "Dockerfile") or "**/Dockerfile", context,
                      repository)
    if repository:
        build.names = [f"{repository}:{tag}" for tag in tags]
    arguments = " ".join((raw_input(step, "arguments") or "").split())
    if arguments and not push:  # buildAndPush ignores `arguments`: keep that behaviour
        build.extra.append(arguments)
    connection = (raw_input(step, "containerRegistry") or "").strip()
    if connection:
        build.connection = connection
        build.login_inputs = [("containerRegistry", connection)]
    return build


def _docker01(step: Step, major: int) -> TaskBuild | str:
    if raw_input(step, "dockerHostEndpoint"):
        return "the task builds on a remote Docker host (`dockerHostEndpoint`)"
    if major == 0 and (raw_input(step, "cwd", "workingDirectory") or "").strip() not in (
            "", "$(System.DefaultWorkingDirectory)", "$(Build.SourcesDirectory)"):
        return "the task runs in its own working directory (`cwd`)"
    if raw_input(step, "memory" if major == 0 else "memoryLimit"):
        return "the task sets a memory limit, which `docker buildx build` has no flag for"
    source_tags = _flag(step, "includeSourceTags", False)
    if source_tags is not False:
        return "the task adds the commit's Git tags (`includeSourceTags`), known only at run time"
    latest = _flag(step, "includeLatestTag", False)
    qualify = _flag(step, "qualifyImageName", True)
    lower = _flag(step, "enforceDockerNamingConvention", True)
    default = _flag(step, "defaultContext" if major == 0 else "useDefaultContext", True)
    if None in (latest, qualify, lower, default):
        return "a boolean input of the task is an expression the linter cannot read"
    image = (raw_input(step, "imageName") or "$(Build.Repository.Name):$(Build.BuildId)").strip()
    context = None if default else (raw_input(step, "context" if major == 0 else "buildContext")
                                    or "").strip() or None
    if not default and context is None:
        return "the task's build context is not given"
    base = _without_tag(image)
    build = TaskBuild(major, False, raw_input(step, "dockerFile") or "**/Dockerfile", context,
                      base, names=[image], qualify=bool(qualify), lower_all=bool(lower))
    if major == 0:
        for arg in (raw_input(step, "buildArguments") or "").splitlines():
            if arg.strip():
                build.extra.append(f"--build-arg {_word(arg.strip())}")
        for tag in (raw_input(step, "additionalImageTags") or "").splitlines():
            if tag.strip():
                build.names.append(f"{base}:{tag.strip()}")
    else:
        arguments = " ".join((raw_input(step, "arguments") or "").split())
        if arguments:
            build.extra.append(arguments)
    if latest and base != image:
        build.names.append(base)
    why = _registry01(step, major, build)
    return why if why else build


def _registry01(step: Step, major: int, build: TaskBuild) -> str:
    kind = (raw_input(step, "containerregistrytype") or "Azure Container Registry").strip()
    if kind.lower() == "azure container registry":
        subscription = raw_input(step, "azureSubscriptionEndpoint", "azureSubscription")
        registry = raw_input(step, "azureContainerRegistry")
        if not (subscription and registry):
            return ""  # no registry: names stay as written
        server = registry.strip()
        if server.startswith("{"):
            try:
                import json

                server = str(json.loads(server).get("loginServer") or "")
            except (ValueError, AttributeError):
                return "the task's `azureContainerRegistry` cannot be read"
        if not server or "$" in server:
            return "the task's Azure Container Registry login server is not written out"
        build.acr_server = server
        build.connection = subscription.strip()
        build.login_inputs = [("containerregistrytype", "Azure Container Registry"),
                              ("azureSubscriptionEndpoint", subscription.strip()),
                              ("azureContainerRegistry", registry.strip())]
        return ""
    endpoint = raw_input(step, "dockerRegistryEndpoint", "dockerRegistryConnection")
    if endpoint and endpoint.strip():
        build.connection = endpoint.strip()
        build.login_inputs = [("containerregistrytype", "Container Registry"),
                              ("dockerRegistryEndpoint", endpoint.strip())]
    return ""


def has_registry_part(name: str) -> bool:
    """``hasRegistryComponent``: a ``.`` or ``:`` before the first ``/``."""
    first, slash, _ = name.partition("/")
    return bool(slash) and ("." in first or ":" in first)


def _without_tag(name: str) -> str:
    """``imageNameWithoutTag``: cut at the first ``:`` after the registry part."""
    start = name.index("/") if has_registry_part(name) else 0
    cut = name.find(":", start)
    return name if cut < 0 else name[:cut]


def _word(text: str) -> str:
    """``text`` as one shell word (macros keep working: the agent expands them first)."""
    if re.fullmatch(r"[\w@%+=:,./-]+", text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"
