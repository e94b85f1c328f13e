"""Edits the cache-wiring fixes share: the Cache@2 step to insert (LL201), a Cache@2 path
spelled from a known dir (LL202), a Cache@2 step moved (LL203). The LL101 rewrite lives in
:mod:`layerlint.fixes.inplace`.

Everything returns ``None`` when it cannot produce an edit it is sure of (Windows pools,
unusual layouts, values it cannot know); the rule then reports without a fix.
"""

from __future__ import annotations

import weakref
from pathlib import Path

from layerlint.document import Document, Node
from layerlint.finding import Edit
from layerlint.fixes.cache_step import CACHE_ROOT, cache_step_lines, dockerfile_segment, slug
from layerlint.fixes.yamltext import item_slot, line_start, newline, render_step
from layerlint.pipeline.paths import SOURCES, DirPath
from layerlint.timeline import Build, Timeline


def image_slug(build: Build, timeline: Timeline) -> str:
    """A slug for the build's image, unique among the job's builds (a second build of the
    same image name gets ``-2``, and so on). Computed once per job."""
    slugs = _SLUGS.get(timeline)
    if slugs is None:
        slugs = {}
        taken: set[str] = set()
        suffix: dict[str, int] = {}  # next number to try per base name
        for b in sorted(timeline.builds, key=lambda b: (b.index, b.start)):
            tag = b.docker.tags[0].value if b.docker and b.docker.tags else None
            name = base = slug(tag)
            while name in taken:
                suffix[base] = suffix.get(base, 1) + 1
                name = f"{base}-{suffix[base]}"
            taken.add(name)
            slugs[id(b)] = name
        _SLUGS[timeline] = slugs
    return slugs.get(id(build)) or slug(None)


_SLUGS: weakref.WeakKeyDictionary[Timeline, dict[int, str]] = weakref.WeakKeyDictionary()


def insert_step(doc: Document, before: Node, lines: list[str]) -> Edit | None:
    """Insert a step (``lines`` relative to the content column) before step ``before``,
    with the sibling's indentation; a step inside ``${{ if }}`` or a deployment hook gets
    its new neighbour in the same list."""
    slot = item_slot(doc, before)
    if slot is None:
        return None
    return Edit(slot.start, slot.start, render_step(lines, slot, newline(doc.text)))


def cache_insert(build: Build, image: str, dockerfile: str | None, path: str) -> Edit | None:
    return insert_step(build.step.doc, build.step.node,
                       cache_step_lines(image, dockerfile, path))


def dockerfile_of(build: Build, root: Path | None) -> str | None:
    """The Dockerfile's path relative to the repository root, when the command runs in the
    sources directory (a ``workingDirectory`` or a ``cd`` earlier makes it unknown here)."""
    if build.docker is None or build.cwd.key != SOURCES:
        return None
    if build.docker.files:
        return dockerfile_segment(build.docker.files[0].value, root)
    context = build.docker.context.value if build.docker.context else None
    if context is None or context == "-" or "://" in context:
        return None
    return dockerfile_segment(f"{context}/Dockerfile", root)


def cache_dir(image: str) -> str:
    return f"{CACHE_ROOT}/{image}"


_SPELLINGS = {
    "<workspace>": "$(Pipeline.Workspace)",
    "<temp>": "$(Agent.TempDirectory)",
    "<work>": "$(Agent.WorkFolder)",
}


def spell_dir(d: DirPath) -> str | None:
    """A known directory as a Cache@2 ``path`` can name it (macros, never env vars)."""
    if not d.known:
        return None
    for token, macro in _SPELLINGS.items():
        if d.key == token or d.key.startswith(token + "/"):
            return macro + d.key[len(token):]
    return None if d.key.startswith("<") else d.key


def move_step(doc: Document, step: Node, before: Node) -> list[Edit] | None:
    """Edits that move ``step`` to just before ``before`` (same file), re-indented to the
    new siblings' column."""
    src, dst = item_slot(doc, step), item_slot(doc, before)
    if src is None or dst is None or src.start <= dst.start < src.end:
        return None
    start = _leading_comments(doc.text, src.start, len(src.dash_indent))
    block = doc.text[start:src.end]
    shift = dst.content_col - src.content_col
    lines = block.splitlines(keepends=True)
    if shift < 0 and any(line.strip() and not line.startswith(" " * -shift) for line in lines):
        return None
    moved = "".join(
        (" " * shift + line if shift >= 0 else line[-shift:]) if line.strip() else line
        for line in lines
    )
    nl = newline(doc.text)
    if not moved.endswith("\n"):
        moved += nl
    return [Edit(dst.start, dst.start, moved), Edit(start, src.end, "")]


def _leading_comments(text: str, start: int, indent: int) -> int:
    """Extend a step's start over the full-line comments right above it (they describe
    it), as far as they are indented at least like its dash."""
    while start > 0:
        prev = line_start(text, start - 1)
        line = text[prev:start]
        body = line.lstrip(" ")
        if not body.startswith("#") or len(line) - len(body) < indent:
            break
        start = prev
    return start
