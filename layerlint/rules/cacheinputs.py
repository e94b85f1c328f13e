"""The ``key`` and ``restoreKeys`` inputs of a job's Cache@2 steps, read once for the key
hygiene rules (LL301-LL305): the nodes (for positions and edits), the text as written in
the file that holds it, the text with template parameters substituted, and its segments
(azure-pipelines.md 1.2, via :mod:`layerlint.cachekey`)."""

from __future__ import annotations

import weakref
from collections.abc import Iterator

from layerlint._record import Record
from layerlint.cachekey import Segment, segments, split
from layerlint.document import Document, Node
from layerlint.pipeline.model import Job
from layerlint.pipeline.scope import Origin, Scope
from layerlint.timeline import CacheTask, Timeline


class Scalar(Record):
    __slots__ = ("doc", "node", "raw", "text")
    node: Node
    doc: Document
    raw: str  # the value as written in ``doc`` (template expressions kept)
    text: str  # with the template parameters in force substituted

    def __init__(self, node: Node, doc: Document, raw: str, text: str) -> None:
        self.node = node
        self.doc = doc
        self.raw = raw
        self.text = text

    @property
    def span(self) -> tuple[int, int]:
        return self.doc.node_span(self.node)

    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


class CacheInputs(Record):
    __slots__ = ("cache", "job", "key", "restore")
    cache: CacheTask
    job: Job
    key: Scalar | None
    restore: Scalar | None

    def __init__(self, cache: CacheTask, job: Job, key: Scalar | None,
                 restore: Scalar | None) -> None:
        self.cache = cache
        self.job = job
        self.key = key
        self.restore = restore

    @property
    def via(self) -> tuple[Origin, ...]:
        return self.cache.step.scope.via

    def key_segments(self) -> list[Segment]:
        return segments(self.key.text, self.job.variables) if self.key else []

    def raw_segments(self) -> list[str] | None:
        """The key's segments as written in its file, when they align with the
        substituted ones (so an edit can be written in the file's own terms)."""
        if self.key is None:
            return None
        raw = split(self.key.raw)
        return raw if len(raw) == len(split(self.key.text)) else None

    def restore_lines(self) -> list[list[Segment]]:
        if self.restore is None:
            return []
        return [segments(line, self.job.variables) for line in self.restore.lines()]


def _scalar(found: tuple[Node, Scope] | None) -> Scalar | None:
    if found is None:
        return None
    node, scope = found[1].resolve(found[0])
    value = getattr(node, "value", None)
    if not isinstance(value, str):
        return None
    return Scalar(node, scope.doc, value, scope.substitute(value))


def cache_inputs(timeline: Timeline) -> Iterator[CacheInputs]:
    for cache in timeline.caches:
        step = cache.step
        yield CacheInputs(cache, timeline.job, _scalar(step.input("key")),
                          _scalar(step.input("restoreKeys")))


_KEYS: weakref.WeakKeyDictionary[Timeline, frozenset[str]] = weakref.WeakKeyDictionary()


def _local_keys(timeline: Timeline) -> frozenset[str]:
    """The keys of every local cache dir the job's builds use, computed once per job."""
    keys = _KEYS.get(timeline)
    if keys is None:
        keys = _KEYS[timeline] = frozenset(
            d.key for b in timeline.builds for d in b.local_dirs)
    return keys


def layer_cache(inputs: CacheInputs, timeline: Timeline) -> bool:
    """rules.md, "Key segments": a Cache@2 whose path is a buildx local cache dir of the
    job, or whose key or path names docker/buildx."""
    cache = inputs.cache
    if cache.path is not None and cache.path.key in _local_keys(timeline):
        return True  # DirPath.same is true exactly when the keys are equal
    text = f"{inputs.key.text if inputs.key else ''} "
    text += cache.path.written if cache.path else ""
    return any(w in text.lower() for w in ("docker", "buildx", "buildkit"))
