"""Which files to check. A directory is walked for ``*.yml``/``*.yaml`` files, skipping
version-control, dependency and virtual-environment directories, and by default vendored
third-party code (``vendor/``, :data:`DEFAULT_EXCLUDE`; a configured ``exclude`` replaces
that default). Whether a YAML file is a pipeline is decided later, from its content.
Explicitly named files are always read. Symlinked directories are not followed, so a
symlink loop cannot trap the walk.

A file that does not parse is an error (LL001) only when it is a pipeline file
(rules.md, "Which unparsable files get LL001"): named on the command line, marked as one
by its name or place (:func:`marked_as_pipeline`), or referenced as a template by a linted
pipeline. Any other unparsable YAML (Helm chart templates, manifests, lock files) is
skipped like any other YAML that is not a pipeline."""

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
DEFAULT_EXCLUDE = ("vendor",)  # directory names skipped unless the config's exclude says
PIPELINE_DIRS = frozenset({".azure-pipelines", ".azuredevops", ".pipelines", ".ado",
                           "pipelines"})


def marked_as_pipeline(path: Path, root: Path) -> bool:
    """Does the file's name or place say it is a pipeline: ``azure-pipelines*.yml``/
    ``.yaml``, or anything under ``.azure-pipelines/``, ``.azuredevops/``, ``.pipelines/``,
    ``.ado/`` or ``pipelines/`` (relative to the repository root)?"""
    name = path.name.lower()
    if name.startswith("azure-pipelines") and name.endswith(YAML_SUFFIXES):
        return True
    try:
        parts = path.resolve().relative_to(root.resolve()).parts[:-1]
    except ValueError:
        parts = path.parts[:-1]
    return any(part.lower() in PIPELINE_DIRS for part in parts)


def repo_root_for(path: Path, fallback: Path) -> Path:
    """The nearest ancestor holding ``.git`` (rules.md, "Repository root"), else ``fallback``."""
    for parent in (path, *path.parents):
        if (parent / ".git").exists():
            return parent
    return fallback


def iter_files(paths: Iterable[str], cwd: Path, skip: Iterable[str] = DEFAULT_EXCLUDE
               ) -> Iterator[tuple[Path, Path, bool]]:
    """(file, repository root, named explicitly) for every file to check, each once.
    Directories named in ``skip`` are not walked into (a directory named on the command
    line is walked whatever its name)."""
    skip_dirs = SKIP_DIRS | frozenset(skip)
    seen: set[Path] = set()
    for arg in paths:
        path = (cwd / arg) if not os.path.isabs(arg) else Path(arg)
        if path.is_dir():
            base = path.resolve()
            root = repo_root_for(base, base)
            for file in _walk(path, skip_dirs):
                resolved = file.resolve()
                if resolved not in seen:
                    seen.add(resolved)
                    yield file, root, False
        else:
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield path, repo_root_for(resolved.parent, cwd.resolve()), True


def _walk(top: Path, skip_dirs: frozenset[str] = SKIP_DIRS) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in skip_dirs and not (Path(dirpath, d, "pyvenv.cfg")).exists()
        )
        for name in sorted(filenames):
            if name.lower().endswith(YAML_SUFFIXES):
                yield Path(dirpath, name)
