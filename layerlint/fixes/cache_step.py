"""The Cache@2 step of the fixed form (rules.md, "The fixed form"), and the names it uses.

Why each piece (azure-pipelines.md 1.2-1.3):
* the key ends with ``"$(Build.SourceVersion)"``: the agent never re-saves an exact hit, so a
  key without a per-run segment freezes the cache at its first save (fact 1);
* two ``restoreKeys`` prefixes restore the newest entry for the same Dockerfile, else for
  the image; every segment is quoted exactly as in the key, since quotes stay in keys
  (fact 4);
* the Dockerfile segment is written as a path with a ``/`` (``./Dockerfile``): only a
  segment holding ``.`` or ``/`` is hashed as a file (fact 5); when the Dockerfile's path
  relative to the repository root is not known, the segment is left out rather than
  guessed (a missing key file fails the job);
* one directory per image (``docker_cache/SLUG``) so two images never share a cache.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from layerlint._lazyre import lazy_re
from layerlint.fixes.yamltext import yaml_quote, yaml_scalar

CACHE_ROOT = "$(Pipeline.Workspace)/docker_cache"
# A key segment that is stable across runs and distinct per stage, job and matrix leg
# (``System.JobName`` is the leg's name, ``__default`` outside a matrix): added where the same
# key text would otherwise be shared by two jobs, legs or template callers.
JOB_IDENTITY = '"$(System.StageName)/$(System.PhaseName)/$(System.JobName)"'
_SLUG_DROP = lazy_re(__name__, "_SLUG_DROP",
                     r"\$\{\{\s*(?:parameters\.)?|\s*\}\}|\$\(|\)|\$\{|\}|\$")


def slug(image: str | None, fallback: str = "image") -> str:
    """A directory-safe name for an image: the last path component of its repository,
    without tag or digest; macros keep their variable name."""
    if not image:
        return fallback
    name = _SLUG_DROP.sub("", image)
    name = name.split("@", 1)[0]
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    name = name.rstrip("/").rsplit("/", 1)[-1].lower()
    name = re.sub(r"[^a-z0-9._-]+", "-", name).strip("-.")
    return name or fallback


def dockerfile_segment(path: str | None, root: Path | None) -> str | None:
    """The key segment that hashes a Dockerfile: repository-relative, with a ``/``; only
    when the file is there (a key file that does not exist fails the Cache@2 step)."""
    if path is None or root is None or any(c in path for c in "$*?[]{}`'\" |,"):
        return None
    norm = posixpath.normpath(path.replace("\\", "/"))
    if norm.startswith("../") or norm == ".." or norm.startswith("/"):
        return None
    try:
        if not (root / norm).is_file():
            return None
    except OSError:  # a name too long for the file system, say
        return None
    return norm if "/" in norm else f"./{norm}"


def key_lines(image_slug: str, dockerfile: str | None, identity: str | None = None
              ) -> tuple[str, list[str]]:
    """The key and restore keys. ``identity`` is a job-identity segment, placed before the
    image so that every restore prefix stays within the job (and matrix leg)."""
    base = ['"docker"', '"$(Agent.OS)"', *([identity] if identity else []), f'"{image_slug}"']
    with_file = [*base, dockerfile] if dockerfile else base
    key = " | ".join([*with_file, '"$(Build.SourceVersion)"'])
    restore = [" | ".join(with_file)]
    if dockerfile:
        restore.append(" | ".join(base))
    return key, restore


def cache_step_lines(image_slug: str, dockerfile: str | None, path: str,
                     identity: bool = False, label: str | None = None,
                     condition: str | None = None) -> list[str]:
    """The Cache@2 step as lines relative to the step's content column; ``condition``
    is the build step's (a skipped build's Cache@2 must be skipped too)."""
    key, restore = key_lines(image_slug, dockerfile, JOB_IDENTITY if identity else None)
    lines = [
        "task: Cache@2",
        f"displayName: {yaml_scalar(f'Restore Docker layer cache ({label or image_slug})')}",
        "inputs:",
        f"  key: {yaml_quote(key)}",
    ]
    if len(restore) == 1:
        lines.append(f"  restoreKeys: {yaml_quote(restore[0])}")
    else:
        lines.append("  restoreKeys: |")
        lines.extend(f"    {r}" for r in restore)
    lines.append(f"  path: {path}")
    if condition is not None:
        lines.append(f"condition: {yaml_scalar(condition)}")
    return lines
