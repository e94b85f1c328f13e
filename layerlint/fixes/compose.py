"""The LL103 fix: a compose build in a script becomes ``docker buildx bake`` over the same
compose files, with a local cache per built service (rules.md, "The fixed form", "Rewriting
inside an existing script (in place)"; buildx-cache.md 5).

What the fix writes, without editing the compose file:

* **the command keeps its place**: its words are rewritten one by one, so whatever ``set -e``,
  ``if``, ``||`` or last-command context it had, it keeps, and it fails when a service fails
  to build. ``docker compose build`` / ``docker-compose build`` becomes ``docker buildx bake
  --builder layerlint`` with a local cache per built service and ``--load``
  (:mod:`layerlint.fixes.compose_plan`); build flags are mapped to bake, or dropped, or
  mean no fix (:mod:`layerlint.fixes.compose_command`);
* before the step, one Cache@2 per service and the guarded builder / stale ``-new`` cleanup
  step; after it, the rotation step (the same steps as the LL101 fix, conditions carried).

Bake reads compose files with compose-go (``bake/compose.go``) but not as compose does, so
the fix is only offered where the difference cannot show. The pieces:

* :mod:`layerlint.fixes.compose_command`: the command's words, and the build flags mapped
  to bake;
* :mod:`layerlint.fixes.compose_file`: the compose files and their built services (what
  bake would read differently: no fix);
* :mod:`layerlint.fixes.compose_plan`: one command's plan (cache dirs, flags, edits, the
  base images a docker-container builder cannot see);
* here: the entry point, and the steps added around each step's compose builds.
"""

from __future__ import annotations

import weakref

from layerlint.finding import Fix
from layerlint.fixes.around_step import around, step_condition
from layerlint.fixes.cache_step import CACHE_ROOT, cache_step_lines, dockerfile_segment
from layerlint.fixes.compose_plan import ComposeJob, Plan, StepFix, plan_command
from layerlint.fixes.platform import EarlierImages, job_os_reason
from layerlint.fixes.yamltext import item_slot
from layerlint.rules.base import Context
from layerlint.timeline import Build, Timeline

_MEMO: weakref.WeakKeyDictionary[Timeline, ComposeJob] = weakref.WeakKeyDictionary()


def compose_fix(ctx: Context, build: Build, timeline: Timeline) -> tuple[Fix | None, str]:
    """The fix that caches ``build`` (with the other compose builds of its step), or None
    and the reason there is none."""
    job = _MEMO.get(timeline)
    if job is None:
        by_step: dict[int, list[Build]] = {}
        for b in timeline.builds:
            if b.kind == "compose" and not b.cached and b.docker is not None:
                by_step.setdefault(b.index, []).append(b)
        job = _MEMO[timeline] = ComposeJob(_taken_dirs(timeline), by_step, EarlierImages(timeline),
                                     order=sorted(by_step), os=job_os_reason(timeline))
    if job.os is not None:
        return None, f"no fix on Windows or macOS jobs: {job.os}"
    if build.docker is None:
        return None, _task_reason(build)
    while build.index not in job.steps and job.next < len(job.order):
        index = job.order[job.next]  # cache dir names are given in step order
        job.next += 1
        job.steps[index] = _fix_step(ctx, timeline, job.by_step[index], job)
    found = job.steps.get(build.index)
    if found is None:
        return None, "the command could not be read"
    reason = found.reasons.get(id(build))
    if reason is not None:
        return None, reason
    return found.fix, ""


def _task_reason(build: Build) -> str:
    """Why a DockerCompose@0/1 task is not replaced: it runs compose on a compose file it
    writes itself, and what it changes there cannot be proven from the pipeline."""
    step = build.step

    def has(name: str) -> bool:
        found = step.input(name)
        text = found[1].text(found[0]) if found else None
        written = step.doc.text[found[0].start_mark.index:found[0].end_mark.index] if (
            found and getattr(found[0], "start_mark", None)) else ""
        return bool((text or "").strip() or "${{" in written or "$(" in written)

    what = []
    if any(has(k) for k in ("dockerRegistryEndpoint", "azureContainerRegistry",
                            "azureSubscriptionEndpoint")) and (
            step.input_text("qualifyImageNames") or "true").strip().lower() != "false":
        what.append("qualifies image names with the login server of its registry "
                    "connection, which only the service connection knows")
    if any(has(k) for k in ("additionalImageTags", "includeSourceTags", "includeLatestTag")):
        what.append("tags the images after the build")
    if has("dockerComposeFileArgs"):
        what.append("passes `dockerComposeFileArgs` as environment to compose")
    what.append("runs compose on a compose file it rewrites, under a project name that "
                "defaults to `$(Build.Repository.Name)`")
    return ("the DockerCompose task " + "; ".join(what) + ": a replacing script cannot be "
            "proven to name and tag the same images (a script step running `docker compose "
            "build` can be fixed)")


# -- one step ------------------------------------------------------------------------------
def _fix_step(ctx: Context, timeline: Timeline, builds: list[Build], job: ComposeJob
              ) -> StepFix:
    out = StepFix()
    plans: list[Plan] = []
    for build in builds:
        plan = plan_command(ctx, build, timeline, job)
        if isinstance(plan, str):
            out.reasons[id(build)] = plan
        else:
            plans.append(plan)
    if not plans:
        return out
    step = plans[0].build.step
    slot = item_slot(step.doc, step.node)
    if slot is None:
        for p in plans:
            out.reasons[id(p.build)] = "the step is not written as a block list item"
        return out
    condition = step_condition(step)
    identity = _needs_identity(ctx, timeline, plans)
    root = ctx.files.root if ctx.files is not None else None
    services = [s for p in plans for s in p.services]
    caches = [cache_step_lines(s.dir, dockerfile_segment(s.key_file, root),
                               f"{CACHE_ROOT}/{s.dir}", identity, s.dir, condition)
              for s in services]
    dirs = [f"{CACHE_ROOT}/{s.dir}" for s in services]
    sudo = any(p.build.docker and p.build.docker.sudo for p in plans)
    label = ", ".join(s.name for s in services)
    edits = [e for p in plans for e in p.edits]
    edits += around(step, slot, caches, ["sudo docker" if sudo else "docker"], dirs, sudo,
                    label, condition)
    unsafe = [p for p in plans if p.why_unsafe]
    title = f"Build with buildx bake and a local layer cache per service ({label})"
    if unsafe:
        title += f" [unsafe: {unsafe[0].why_unsafe}]"
    out.fix = Fix(title, "unsafe" if unsafe else "safe", tuple(sorted(edits)),
                  steps_added=len(caches) + 2)
    return out


def _taken_dirs(timeline: Timeline) -> set[str]:
    from layerlint.fixes.inplace import script_dir_names

    taken = {n.lower() for n in script_dir_names(timeline).values()}
    for cache in timeline.caches:
        if cache.path is not None and cache.path.written:
            taken.add(cache.path.written.rstrip("/").rsplit("/", 1)[-1].lower())
    return taken


def _needs_identity(ctx: Context, timeline: Timeline, plans: list[Plan]) -> bool:
    from layerlint.fixes.inplace import needs_identity

    if needs_identity(ctx, timeline, [p.build for p in plans],
                      [s.name for p in plans for s in p.services]):
        return True
    # another job of the file running a compose build would share the key text
    jobs = _COMPOSE_JOBS.get(ctx)
    if jobs is None:
        jobs = _COMPOSE_JOBS[ctx] = sum(
            1 for t in ctx.timelines if any(b.kind == "compose" for b in t.builds))
    return jobs > 1


_COMPOSE_JOBS: weakref.WeakKeyDictionary[Context, int] = weakref.WeakKeyDictionary()

