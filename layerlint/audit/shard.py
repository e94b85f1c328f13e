"""Scale past one machine: ``--shard I/N`` keeps the repositories whose key hashes to
shard I (1-based) of N; the assignment depends on each repository alone, so it is the same
on every machine and whatever the order of the list. :func:`merge` combines the shards'
results into the result of the unsharded run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from layerlint.audit.model import Audit, RepoReport, RepoSpec


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` as (I, N); raises ValueError unless 1 <= I <= N."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard wants I/N, like 1/4, not {text!r}") from None
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text}: I must be between 1 and N")
    return index, count


def shard_of(spec: RepoSpec, count: int) -> int:
    digest = hashlib.sha256(spec.key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select(specs: Iterable[RepoSpec], index: int, count: int) -> list[RepoSpec]:
    return [s for s in specs if shard_of(s, count) == index]


class MergeError(Exception):
    pass


def merge(parts: list[Audit]) -> Audit:
    """One result from the shards' results. A repository present in two parts (the same
    name and source) is an error: the parts overlap, so they are not shards of one run."""
    versions = sorted({p.version for p in parts})
    if len(versions) > 1:
        raise MergeError(f"the parts come from different layerlint versions: {versions}")
    seen: dict[tuple[str, str], RepoReport] = {}
    for part in parts:
        for repo in part.repositories:
            key = (repo.name, repo.source)
            if key in seen:
                raise MergeError(f"repository {repo.name} ({repo.source}) is in more than one "
                                 "part: merge the shards of one run, each once")
            seen[key] = repo
    return Audit(list(seen.values()), versions[0] if versions else "")
