"""Which files to check. A directory is walked for ``*.yml``/``*.yaml`` files, skipping
version-control, dependency and virtual-environment directories; whether a YAML file is a
pipeline is decided later, from its content. Explicitly named files are always read.
Symlinked directories are not followed, so a symlink loop cannot trap the walk."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".terraform",
    "bower_components", ".gradle", ".idea", ".vs",
})
YAML_SUFFIXES = (".yml", ".yaml")


def repo_root_for(path: Path, fallback: Path) -> Path:
    """The nearest ancestor holding ``.git`` (rules.md, "Repository root"), else ``fallback``."""
    for parent in (path, *path.parents):
        if (parent / ".git").exists():
            return parent
    return fallback


def iter_files(paths: Iterable[str], cwd: Path) -> Iterator[tuple[Path, Path, bool]]:
    """(file, repository root, named explicitly) for every file to check, each once."""
    seen: set[Path] = set()
    for arg in paths:
        path = (cwd / arg) if not os.path.isabs(arg) else Path(arg)
        if path.is_dir():
            base = path.resolve()
            root = repo_root_for(base, base)
            for file in _walk(path):
                resolved = file.resolve()
                if resolved not in seen:
                    seen.add(resolved)
                    yield file, root, False
        else:
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield path, repo_root_for(resolved.parent, cwd.resolve()), True


def _walk(top: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and not (Path(dirpath, d, "pyvenv.cfg")).exists()
        )
        for name in sorted(filenames):
            if name.lower().endswith(YAML_SUFFIXES):
                yield Path(dirpath, name)
