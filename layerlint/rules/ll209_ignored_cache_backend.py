r"""LL209 ignored-cache-backend

What it does
    Reports every ``type=gha`` cache import or export (``--cache-from``/``--cache-to``, in
    scripts and in Docker task ``arguments``). One finding per flag value.

Why
    buildx fills the gha backend's ``token``/``url`` from GitHub Actions' runtime variables
    (``ACTIONS_RUNTIME_TOKEN``, ``ACTIONS_CACHE_URL``) and silently drops a gha entry that
    has none (buildx-cache.md 1.1, fact 11: ``build/opt.go`` ``isActive``). On Azure
    Pipelines the build therefore runs uncached, with no warning.

Bad example
    - script: docker buildx build --cache-from=type=gha --cache-to=type=gha,mode=max -t app .

Good example
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | "app" | ./Dockerfile | "$(Build.SourceVersion)"'
        restoreKeys: '"docker" | "$(Agent.OS)" | "app" | ./Dockerfile'
        path: $(Pipeline.Workspace)/docker_cache/app
    - script: |
        docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/docker_cache/app \
          --cache-to=type=local,dest=$(Pipeline.Workspace)/docker_cache/app-new,mode=max -t app .

Fix
    None in this version (rules.md plans an unsafe switch to ``type=local`` plus a Cache@2
    step); the message says what to write.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.rules.base import Context, Hit, RuleMeta

META = RuleMeta(
    "LL209", "ignored-cache-backend",
    "A type=gha cache is silently ignored on Azure Pipelines.", "error",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for build in timeline.builds:
            for ref in (*build.imports, *build.exports):
                if ref.spec.type != "gha":
                    continue
                flag = "--cache-from" if ref.direction == "from" else "--cache-to"
                start, end = build.start, build.end
                run = build.script
                if run is not None:
                    start = run.offset(ref.spec.word.start)
                    end = run.offset(max(ref.spec.word.end - 1, ref.spec.word.start)) + 1
                message = (
                    f"`{flag} {ref.spec.word.value}` uses the GitHub Actions cache, which "
                    "buildx silently drops outside GitHub Actions: the build runs uncached "
                    "with no warning; use `type=local` with a Cache@2 step, or `type=registry`"
                )
                yield Hit(META.code, build.doc, start, end, message, build.via)
