"""Files of the repository around a pipeline that rules need to look at (compose files for
LL103), read through the engine's shared document cache. A missing or unreadable file means
"unknown", never a guess; nothing outside the repository root is read."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path

from layerlint.document import Document, DocumentError
from layerlint.pipeline.paths import SOURCES, DirPath

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


class RepoFiles:
    def __init__(self, root: Path, load: Callable[[Path], Document | DocumentError]) -> None:
        self.root = root.resolve()
        self.load = load

    def local(self, cwd: DirPath, relative: str | None) -> Path | None:
        """The file in the repository that ``relative`` names from agent dir ``cwd``."""
        if not cwd.known or not (cwd.key == SOURCES or cwd.key.startswith(SOURCES + "/")):
            return None
        base = self.root / cwd.key[len(SOURCES):].lstrip("/")
        if relative is None:
            return None
        rel = relative.replace("$(Build.SourcesDirectory)", "").replace(
            "$(System.DefaultWorkingDirectory)", "").lstrip("/") if relative.startswith(
            "$(") else relative
        if "$" in rel or "*" in rel:
            return None
        try:
            path = (base / rel).resolve()
            return path if path.is_relative_to(self.root) and path.is_file() else None
        except (OSError, ValueError):  # a name too long for the file system, a NUL byte
            return None

    def _compose_file(self, file: str | None, cwd: DirPath) -> Document | None:
        """The compose file a build reads (``file``, else the default names in ``cwd``),
        parsed; None when it is not in the repository or cannot be read."""
        from ruamel.yaml.nodes import MappingNode

        candidates = [file] if file else list(COMPOSE_NAMES)
        if file and "**" in file:
            name = file.rsplit("/", 1)[-1]
            matches = sorted(self.root.rglob(name))
            path = matches[0] if matches else None
        else:
            path = next((p for c in candidates if (p := self.local(cwd, c)) is not None), None)
        if path is None:
            return None
        compose = self.load(path)
        if isinstance(compose, DocumentError) or not isinstance(compose.root, MappingNode):
            return None
        return compose

    def compose_cached(self, doc: Document, file: str | None, cwd: DirPath) -> bool | None:
        """True when the compose file declares ``cache_from`` for every service it builds,
        False when it does not, None when the file is not known."""
        from ruamel.yaml.nodes import MappingNode

        compose = self._compose_file(file, cwd)
        services = _get(compose.root, "services") if compose is not None else None
        if not isinstance(services, MappingNode):
            return None
        for _, service in services.value:
            build = _get(service, "build") if isinstance(service, MappingNode) else None
            if build is None:
                continue
            cache_from = _get(build, "cache_from") if isinstance(build, MappingNode) else None
            if cache_from is None or not getattr(cache_from, "value", None):
                return False
        return True

    def compose_builds(self, doc: Document, file: str | None, cwd: DirPath) -> bool | None:
        """Whether the compose file has a service with a ``build:`` section; None when the
        file is not known."""
        from ruamel.yaml.nodes import MappingNode

        compose = self._compose_file(file, cwd)
        services = _get(compose.root, "services") if compose is not None else None
        if not isinstance(services, MappingNode):
            return None
        return any(isinstance(service, MappingNode) and _get(service, "build") is not None
                   for _, service in services.value)


def _get(node: object, key: str) -> object | None:
    for k, v in getattr(node, "value", ()):
        if getattr(k, "value", None) == key:
            found: object = v
            return found
    return None


MAX_TEXT_BYTES = 1024 * 1024


def read_text(files: RepoFiles, cwd: DirPath, relative: str) -> str | None:
    """The text of a repository file (a Dockerfile), or None when it is not known."""
    path = files.local(cwd, relative)
    if path is None:
        return None
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def repo_file_list(files: RepoFiles) -> list[str] | None:
    """Every file of the repository, relative to its root with ``/`` separators, when the
    root is a checkout (holds ``.git``); None otherwise (rules.md: LL304 is checked only
    when linting inside a checkout). Computed once per root."""
    root = files.root
    owner = getattr(files.load, "__self__", files.load)  # the engine: one walk per run
    try:
        cache = _FILE_LISTS.setdefault(owner, {})
    except TypeError:
        cache = {}
    if root in cache:
        return cache[root]
    out: list[str] | None = None
    if (root / ".git").exists():
        import os

        out = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            rel = Path(dirpath).relative_to(root).as_posix()
            prefix = "" if rel == "." else rel + "/"
            out.extend(prefix + name for name in filenames)
            if len(out) > MAX_FILES:
                out = None
                break
    cache[root] = out
    return out


MAX_FILES = 200_000
_FILE_LISTS: weakref.WeakKeyDictionary[object, dict[Path, list[str] | None]] = (
    weakref.WeakKeyDictionary())
