r"""LL103 uncached-compose-build

What it does
    Reports ``DockerCompose@0/1`` tasks that build (``action: Build services``, or a
    ``dockerComposeCommand`` of ``build`` or ``up --build``) and ``docker compose build``,
    ``docker-compose build`` and ``docker compose up --build`` in scripts, unless the compose
    file is in the repository and declares ``cache_from`` for every service it builds.

Why
    Compose builds each service with BuildKit on the default builder: on a fresh hosted VM
    nothing is cached. ``--cache-from`` is not a compose flag; compose reads ``cache_from``
    and ``cache_to`` from the compose file (rules.md, LL103).

Bad example
    - script: docker compose -f docker-compose.ci.yml build

Good example
    - script: docker compose -f docker-compose.ci.yml build

    # docker-compose.ci.yml
    services:
      api:
        build:
          context: .
          cache_from: [type=local,src=/home/vsts/work/1/docker_cache/api]
          cache_to: [type=local,dest=/home/vsts/work/1/docker_cache/api-new,mode=max]

Fix
    ``docker compose build`` / ``docker-compose build`` in a bash script becomes ``docker
    buildx bake`` over the same compose files, with a local cache per built service, its
    Cache@2 step and rotation (:mod:`layerlint.fixes.compose`), where bake provably builds
    what compose built. DockerCompose tasks, ``up --build`` and compose files the fix
    cannot read: no fix, and the finding says why.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.rules.base import Context, Hit, RuleMeta, hosted_severity
from layerlint.timeline import Build, Timeline

META = RuleMeta(
    "LL103", "uncached-compose-build",
    "A compose build runs without cache configuration.", "warning", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for build in timeline.builds:
            if build.kind != "compose" or build.cached:
                continue
            reason = (
                "the compose file is not in the repository, so its cache settings are unknown"
                if build.compose_cached is None
                else "the compose file declares no `cache_from` for a service it builds"
            )
            message = (
                f"`{build.command}` builds images without a layer cache ({reason}); declare "
                "`cache_from`/`cache_to` for every built service and restore the cache dir "
                "with Cache@2"
            )
            fix, why_not = _fix(ctx, build, timeline)
            yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                      hosted_severity(timeline.job, META.severity), fix,
                      no_fix="" if fix else why_not)


def _fix(ctx: Context, build: Build, timeline: Timeline) -> tuple[Fix | None, str]:
    """The bake rewrite, or None and why there is none (said in ``--show-fixes`` and JSON
    ``no_fix``)."""
    from layerlint.fixes.compose import compose_fix

    return compose_fix(ctx, build, timeline)
