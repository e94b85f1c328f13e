"""The LL103 fix's reading of the compose files a command names: the built services, merged
as compose merges them (:mod:`layerlint.fixes.compose`).

Bake reads compose files with compose-go (``bake/compose.go``) but not as compose does, so
the fix is only offered where the difference cannot show; what this module refuses:

* bake tags a service only from ``image:``/``build.tags``; compose names an unnamed image
  ``<project>_<service>`` (v1) or ``<project>-<service>`` (v2), depending on the binary:
  a service without ``image:`` means no fix;
* bake reads ``.env`` from its working directory, compose from the project directory;
  it builds every profile; it ignores ``platforms``, ``extra_hosts``, ``privileged``,
  ``isolation``, ``pull``, ``no_cache``, ``entitlements``; it sanitises service names:
  any of these means no fix;
* ``extends``/``include`` and files that are not in the repository: no fix (the services
  cannot be known).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerlint.fixes.compose_command import Scan
from layerlint.repo_files import COMPOSE_NAMES, RepoFiles
from layerlint.rules.base import Context
from layerlint.timeline import Build

OVERRIDE_NAMES = ("compose.override.yaml", "compose.override.yml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")
# build: keys bake maps as compose does (bake/compose.go ParseCompose)
_BUILD_KEYS = {"context", "dockerfile", "args", "target", "labels", "network", "shm_size",
               "ulimits", "tags"}
_TARGET_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass
class Service:
    name: str
    image: str
    context: str  # as written (relative to the compose file's directory)
    dockerfile: str
    args: dict[str, str | None]
    dir: str = ""  # cache dir name under docker_cache/
    key_file: str | None = None  # the Dockerfile, relative to the repository root


def read_compose(files: RepoFiles, build: Build, scan: Scan
                 ) -> tuple[list[Service], Path, str, str | None] | str:
    """The built services of the compose files the command reads, merged as compose
    merges them; the first file's directory (in the repository, and as the command
    names it relative to its working directory); the default file's name when the command
    names none (bake must be given it: its own default list also reads ``docker-bake.*``
    files and every compose name present, where compose takes the first)."""
    run = build.script
    assert run is not None
    sub = run.substitute
    if scan.files:
        written = [sub(w.value) for w in scan.files]
        paths = [files.local(build.cwd, w) for w in written]
        missing = [w for w, p in zip(written, paths, strict=True) if p is None]
        if missing:
            return (f"the compose file `{missing[0]}` is not in the repository (or is named "
                    "by a value the linter cannot know), so its services are unknown")
        found = [p for p in paths if p is not None]
        default = None
        rel_dir = posixpath.dirname(written[0].replace("\\", "/"))
        if rel_dir.startswith("$("):
            return "the compose file is named from a macro, so its directory is not known"
    else:
        first = next(((c, p) for c in COMPOSE_NAMES
                      if (p := files.local(build.cwd, c)) is not None), None)
        if first is None:
            return ("no compose file in the command's directory is in the repository, so its "
                    "services are unknown")
        found = [first[1]]
        default = first[0]
        override = next((p for c in OVERRIDE_NAMES
                         if (p := files.local(build.cwd, c)) is not None), None)
        if override is not None:
            return ("compose merges the override file only when no `-f` is given: name the "
                    "files with `-f` first")
        rel_dir = ""
    compose_dir = found[0].parent
    cwd_dir = _cwd_dir(files, build)
    if cwd_dir is None or cwd_dir.resolve() != compose_dir.resolve():
        for d, who in ((compose_dir, "compose"), (cwd_dir, "bake")):
            if d is not None and (d / ".env").exists():
                return (f"a `.env` file that only {who} reads: compose reads `.env` beside "
                        "the compose file, bake from its working directory")
    merged: dict[str, dict[str, Any]] = {}
    for path in found:
        data = _load(files, path)
        if isinstance(data, str):
            return data
        if "include" in data:
            return "the compose file uses `include`, which the fix does not follow"
        services = data.get("services")
        if not isinstance(services, dict):
            return f"`{path.name}` has no `services` mapping the fix can read"
        for name, body in services.items():
            if not isinstance(body, dict):
                return f"service `{name}` is not a mapping"
            into = merged.setdefault(str(name), {})
            for k, v in body.items():
                if k == "build" and isinstance(v, dict) and isinstance(into.get("build"), dict):
                    into["build"] = {**into["build"], **v}
                else:
                    into[k] = v
    out: list[Service] = []
    for name, body in merged.items():
        if "extends" in body:
            return f"service `{name}` uses `extends`, which the fix does not follow"
        b = body.get("build")
        if b is None:
            continue
        if "profiles" in body:
            return (f"service `{name}` has `profiles`: bake builds every profile, compose only "
                    "the active ones")
        if not _TARGET_NAME.match(name):
            return f"bake renames service `{name}` (only letters, digits, `_` and `-` are kept)"
        if isinstance(b, str):
            b = {"context": b}
        if not isinstance(b, dict):
            return f"the `build` of service `{name}` cannot be read"
        extra = sorted(str(k) for k in b if k not in _BUILD_KEYS)
        if extra:
            if any(k in ("cache_from", "cache_to") for k in extra):
                return (f"service `{name}` already declares a cache: finish the cache "
                        "settings in the compose file")
            return (f"bake does not build `build.{extra[0]}` of service `{name}` as compose "
                    "does")
        image = body.get("image")
        if not isinstance(image, str) or not image.strip():
            return (f"service `{name}` has no `image:`: compose names its image "
                    f"`<project>_{name}` (v1) or `<project>-{name}` (v2), bake would leave it "
                    "untagged")
        context = str(b.get("context") or ".")
        if "$" in context:
            return f"the build context of service `{name}` depends on a variable"
        dockerfile = str(b.get("dockerfile") or "Dockerfile")
        raw_args = b.get("args") or {}
        args: dict[str, str | None] = {}
        if isinstance(raw_args, list):
            for a in raw_args:
                k, eq, v = str(a).partition("=")
                args[k] = v if eq else None
        elif isinstance(raw_args, dict):
            args = {str(k): (None if v is None else str(v)) for k, v in raw_args.items()}
        out.append(Service(name, image.strip(), context, dockerfile, args))
    return out, compose_dir, rel_dir, default


def _cwd_dir(files: RepoFiles, build: Build) -> Path | None:
    from layerlint.pipeline.paths import SOURCES

    cwd = build.cwd
    if not cwd.known or not (cwd.key == SOURCES or cwd.key.startswith(SOURCES + "/")):
        return None
    return files.root / cwd.key[len(SOURCES):].lstrip("/")


MAX_NODES = 100_000


def _load(files: RepoFiles, path: Path) -> dict[str, Any] | str:
    """The compose file as plain data, read through the engine's loader (its limits on
    size, aliases and encodings); ``<<`` merge keys applied."""
    from layerlint.document import DocumentError

    doc = files.load(path)
    if isinstance(doc, DocumentError) or doc.root is None:
        return f"`{path.name}` cannot be read as YAML"
    budget = [MAX_NODES]
    try:
        data = _plain(doc.root, budget)
    except _TooLarge:
        return f"`{path.name}` is too large to read"
    if not isinstance(data, dict):
        return f"`{path.name}` is not a compose file"
    return data


class _TooLarge(Exception):
    pass


def _plain(node: object, budget: list[int]) -> Any:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for k, v in node.value:
            key = getattr(k, "value", None)
            if key == "<<" or getattr(k, "tag", "") == "tag:yaml.org,2002:merge":
                for m in (v.value if isinstance(v, SequenceNode) else [v]):
                    value = _plain(m, budget)
                    if isinstance(value, dict):
                        merged = {**value, **merged}
                continue
            out[str(key)] = _plain(v, budget)
        return {**merged, **out}
    if isinstance(node, SequenceNode):
        return [_plain(v, budget) for v in node.value]
    value = getattr(node, "value", None)
    tag = getattr(node, "tag", "")
    if tag.endswith(":null"):
        return None
    return value


def repo_dockerfile(ctx: Context, compose_dir: Path, s: Service) -> str | None:
    """The service's Dockerfile, relative to the repository root."""
    if ctx.files is None or "://" in s.context:
        return None
    try:
        path = (compose_dir / s.context / s.dockerfile).resolve()
        return path.relative_to(ctx.files.root).as_posix()
    except (OSError, ValueError):
        return None

