r"""LL208 shared-cache-dir

What it does
    Reports a build that exports a local cache to a directory an earlier build of the same
    job already exported to, with the same ``tag=`` (default ``latest``). One finding per
    later build.

Why
    A local cache's ``index.json`` holds one entry per tag: an export replaces the entry
    of its tag, so the last writer wins and the other image's cache is lost (buildx-cache.md
    2, "Two builds writing to the same directory", fact 7: ``ociindex.insertDesc``). With
    distinct ``tag=`` values both entries coexist.

Bad example
    - script: |
        docker buildx build --cache-from=type=local,src=/c --cache-to=type=local,dest=/c -t api api
        docker buildx build --cache-from=type=local,src=/c --cache-to=type=local,dest=/c -t web web

Good example
    - script: |
        docker buildx build --cache-from=type=local,src=/c,tag=api \
          --cache-to=type=local,dest=/c,tag=api -t api api
        docker buildx build --cache-from=type=local,src=/c,tag=web \
          --cache-to=type=local,dest=/c,tag=web -t web web

Fix
    Safe: give the later build its own ``tag=`` (named after its image) on its export and
    on its import of the same dir, when the export is not rotated. rules.md suggests a
    subdirectory per image; a tag keeps the directory the job's Cache@2 ``path`` names, so
    the Cache@2 wiring stays intact. A rotated export (``dest=D-new`` then ``mv``) replaces
    the whole dir, so a tag does not help there: no fix (give each image its own dir and
    Cache@2 step). Bash scripts on non-Windows pools only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.finding import Edit, Fix
from layerlint.pipeline.model import Job
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.timeline import Build, CacheRef

META = RuleMeta(
    "LL208", "shared-cache-dir",
    "Two builds export to the same local cache dir and tag.", "warning", "safe",
)


def _tag(ref: CacheRef) -> str:
    return ref.spec.get("tag") or "latest"


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        earlier: list[tuple[Build, CacheRef]] = []
        for build in timeline.builds:
            clash: tuple[Build, CacheRef, CacheRef] | None = None
            for exp in build.exports:
                if exp.spec.type != "local" or exp.dir is None or not exp.dir.known:
                    continue
                for other, prev in earlier:
                    if other is not build and prev.dir is not None and (
                            prev.dir.same(exp.dir) is True and _tag(prev) == _tag(exp)):
                        clash = (other, prev, exp)
                        break
                if clash:
                    break
            for exp in build.exports:
                if exp.spec.type == "local" and exp.dir is not None:
                    earlier.append((build, exp))
            if clash is None:
                continue
            other, prev, exp = clash
            assert exp.dir is not None
            line = other.doc.position(other.start)[0]
            message = (
                f"`{build.command}` exports its cache to {exp.dir.display()} with tag "
                f"{_tag(exp)}, like the build at line {line}: the last writer wins and the "
                "other image's cache is lost; give each image its own `tag=`"
            )
            yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                      fix=_fix(build, exp, timeline.job))


def slug(build: Build) -> str:
    docker = build.docker
    names = [w.value for w in docker.tags] if docker else []
    if docker:
        names += [o.value.split("name=", 1)[1] for o in docker.outputs if "name=" in o.value]
    for name in names:
        base = name.split(",")[0].rsplit("/", 1)[-1].split(":")[0].split("@")[0]
        base = re.sub(r"[^A-Za-z0-9_.-]", "", base)
        if base:
            return base
    return f"build{build.index + 1}"


def _fix(build: Build, exp: CacheRef, job: Job) -> Fix | None:
    run = fixkit.fixable(build, job)
    if run is None or exp.spec.get("tag") is not None or exp.dir is None or (
            exp.written_dir is None or exp.dir.same(exp.written_dir) is not True):
        return None  # a rotated export replaces the whole dir: a tag does not help
    tag = slug(build)
    edits: list[Edit] = []
    refs = [exp] + [i for i in build.imports if i.spec.type == "local" and i.dir is not None
                    and exp.dir is not None and i.dir.same(exp.dir) is True
                    and i.spec.get("tag") is None]
    for ref in refs:
        span = fixkit.value_span(run, ref.spec.word)
        edit = fixkit.insert_after(run, span[1], f",tag={tag}") if span else None
        if edit is None:
            return None
        edits.append(edit)
    return Fix(f"use the cache tag {tag} for this image", "safe", tuple(edits))
