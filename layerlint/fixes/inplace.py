"""The LL101 fix: cache the docker builds of one script step in place (rules.md, "The fixed
form", "Rewriting inside an existing script (in place)").

What the fix writes, for the uncached builds of one step (all of them in one fix, so a
step gets one setup and one rotation step however many builds it holds):

* **the build command keeps its place and its words**; only flags are inserted right after
  its verb (``docker build`` becomes ``docker buildx build``): ``--builder layerlint``
  (unless the job already selects a container builder), ``--cache-from`` the cache dir,
  ``--cache-to`` its ``-new`` sibling with ``mode=max``, and ``--load`` unless the build
  pushes or outputs. Nothing is chained after the command, so whatever ``set -e``,
  ``pipefail``, ``if``, ``||`` or last-command context it had, it keeps: a failed build
  fails exactly as before;
* **before the step**: one Cache@2 step per build (its own key and dir), then a bash step
  that creates the guarded ``layerlint`` builder (``inspect || create``: LL401, LL402) and
  removes a stale ``-new`` dir (self-hosted agents keep the workspace);
* **after the step**: a bash step that replaces each cache dir by the freshly exported one
  only when this run exported it, and makes sure each dir exists for the post-job save (a
  missing ``path`` fails the job: azure-pipelines.md 1.5; the build may sit in an untaken
  ``if`` branch);
* the inserted steps carry the build step's ``condition`` (a skipped Cache@2 saves nothing:
  azure-pipelines.md 1.3);
* keys are per build, job, matrix leg and template caller: macros and template expressions
  of the image name are kept verbatim (the agent expands them before Cache@2 runs), and a
  job-identity segment (``$(System.StageName)``/``$(System.PhaseName)``/``$(System.JobName)``:
  stable across runs, distinct per job and matrix leg) is added where the same key text
  would otherwise be shared: a job with a ``matrix``/``parallel`` strategy, a template
  (called from any number of jobs), or two jobs of the pipeline with the same key text.

Where the form cannot be proven to keep the build working, there is no fix or an unsafe
one, and the finding says why (:mod:`layerlint.fixes.platform`).
"""

from __future__ import annotations

import weakref

from layerlint._record import MutableRecord
from layerlint.finding import Applicability, Edit, Fix
from layerlint.fixes.around_step import BUILDER, around, step_condition
from layerlint.fixes.cache_names import (
    dir_name,
    image_text,
    key_image,
    needs_identity,
    script_dir_names,
)
from layerlint.fixes.cache_step import CACHE_ROOT, cache_step_lines
from layerlint.fixes.platform import (
    EarlierImages,
    job_os_reason,
    local_base_reason,
    step_os_reason,
)
from layerlint.fixes.yamltext import item_slot, newline
from layerlint.jobstate import JobState
from layerlint.rules.base import Context
from layerlint.timeline import Build, ScriptRun, Timeline

_SUBCOMMANDS = ("build", "image", "builder", "buildx")


class _Plan(MutableRecord):
    __slots__ = (
        "applicability",
        "build",
        "builder",
        "edits",
        "image",
        "name",
        "prefix",
        "why_unsafe",
    )
    build: Build
    image: str  # the image as the key names it (macros and expressions verbatim)
    name: str  # the cache dir's name under docker_cache/
    edits: list[Edit]
    applicability: Applicability
    why_unsafe: str
    builder: bool  # needs the layerlint builder
    prefix: str  # how the script runs docker (``sudo docker``, env assignments)

    def __init__(self, build: Build, image: str, name: str, edits: list[Edit],
                 applicability: Applicability = "safe", why_unsafe: str = "", builder: bool = True,
                 prefix: str = "docker") -> None:
        self.build = build
        self.image = image
        self.name = name
        self.edits = edits
        self.applicability = applicability
        self.why_unsafe = why_unsafe
        self.builder = builder
        self.prefix = prefix


class _StepFix(MutableRecord):
    __slots__ = ("fix", "reasons")
    fix: Fix | None
    reasons: dict[int, str]  # id(build) -> why no fix

    def __init__(self, fix: Fix | None, reasons: dict[int, str] | None = None) -> None:
        self.fix = fix
        self.reasons = {} if reasons is None else reasons


class _JobPlanner:
    """What the fixes of one job share, computed once: its builder state, the cache dir
    names, the images earlier commands made, and each step's fix (so a job with thousands
    of builds costs linear time)."""

    def __init__(self, timeline: Timeline) -> None:
        self.state = JobState(timeline)
        self.names = script_dir_names(timeline)
        self.images = EarlierImages(timeline)
        self.os = job_os_reason(timeline)
        self.by_step: dict[int, list[Build]] = {}
        for b in timeline.builds:
            if b.kind == "script" and not b.cached:
                self.by_step.setdefault(b.index, []).append(b)
        self.steps: dict[int, _StepFix] = {}


_MEMO: weakref.WeakKeyDictionary[Timeline, _JobPlanner] = weakref.WeakKeyDictionary()


def step_fix(ctx: Context, build: Build, timeline: Timeline) -> tuple[Fix | None, str]:
    """The fix that caches ``build`` (with the other builds of its step), or None and
    the reason there is none."""
    planner = _MEMO.get(timeline)
    if planner is None:
        planner = _MEMO[timeline] = _JobPlanner(timeline)
    found = planner.steps.get(build.index)
    if found is None:
        found = planner.steps[build.index] = _fix_step(ctx, timeline, planner, build.index)
    reason = found.reasons.get(id(build))
    if reason is not None:
        return None, reason
    return found.fix, ""


def _fix_step(ctx: Context, timeline: Timeline, planner: _JobPlanner, index: int) -> _StepFix:
    builds = planner.by_step.get(index, [])
    out = _StepFix(None)
    if not builds:
        return out
    plans: list[_Plan] = []
    for build in builds:
        plan = _plan(ctx, build, timeline, planner)
        if isinstance(plan, str):
            out.reasons[id(build)] = plan
        else:
            plans.append(plan)
    if not plans:
        return out
    step = builds[0].step
    slot = item_slot(step.doc, step.node)
    if slot is None:
        for p in plans:
            out.reasons[id(p.build)] = "the step is not written as a block list item"
        return out
    condition = step_condition(step)
    identity = _needs_identity(ctx, timeline, plans)
    caches = [_cache_lines(ctx, p, identity, condition) for p in plans]
    dirs = [f"{CACHE_ROOT}/{p.name}" for p in plans]
    label = ", ".join(dict.fromkeys(p.name for p in plans))
    edits = [e for p in plans for e in p.edits]
    edits += around(step, slot, caches, [p.prefix for p in plans if p.builder], dirs,
                    any(p.prefix.startswith("sudo") for p in plans), label, condition)
    before = caches  # the set-up step is counted below
    unsafe = [p for p in plans if p.applicability == "unsafe"]
    images = ", ".join(dict.fromkeys(p.name for p in plans))
    title = f"Build with buildx and a local layer cache restored by Cache@2 ({images})"
    if unsafe:
        title += f" [unsafe: {unsafe[0].why_unsafe}]"
    out.fix = Fix(title, "unsafe" if unsafe else "safe", tuple(sorted(edits)),
                  steps_added=len(before) + 2)
    return out


def _plan(ctx: Context, build: Build, timeline: Timeline, planner: _JobPlanner
          ) -> _Plan | str:
    """The flag edits for one build, or why there are none."""
    state, names = planner.state, planner.names
    docker, run = build.docker, build.script
    if docker is None or run is None:
        return "the command could not be read"
    if docker.no_cache:
        return "the build runs with --no-cache on purpose"
    why = planner.os or step_os_reason(build, timeline.job)
    if why is not None:
        return f"no fix on Windows or macOS jobs: {why}"
    if run.shell not in ("bash", "pwsh"):
        return "the script runs in cmd.exe"
    if run.doc is not build.step.doc:
        return "the script is passed from another file than its step"
    cmd = docker.command
    if cmd.after == "&":
        return "the build runs in the background"
    words = cmd.words
    verb = docker.subcommand_index - 1
    d = next((i for i, w in enumerate(words[:verb])
              if w.value.replace("\\", "/").rsplit("/", 1)[-1].lower()
              in ("docker", "docker.exe")), None)
    if d is None:
        return "the docker command is written in a way the fixer does not rewrite"
    j = next((i for i in range(d + 1, verb + 1) if words[i].value in _SUBCOMMANDS), None)
    if j is None:
        return "the docker command is written in a way the fixer does not rewrite"
    choice = state.builder(build)
    explicit = docker.builder is not None or choice.how == "BUILDX_BUILDER"
    if choice.kind == "unknown":
        return "the build selects a builder whose driver the linter cannot know"
    if explicit and choice.kind == "docker":
        return "the build names the docker-driver builder, which cannot export a cache"
    builder = choice.kind != "container"
    if builder and build.command != "docker buildx build" and build.script is not None:
        selected = state.selected(build)
        builder = selected.kind != "container"
    flags: list[str] = []
    if builder:
        flags.append(f"--builder {BUILDER}")
    name = names[id(build)]
    directory = f"{CACHE_ROOT}/{name}"
    flags += [f"--cache-from=type=local,src={directory}",
              f"--cache-to=type=local,dest={directory}-new,mode=max"]
    if not (docker.load or docker.push or docker.outputs):
        platforms = [p.value for p in docker.platforms]
        if len(platforms) > 1 or any("," in p or "$" in p for p in platforms):
            return ("the build targets several platforms (or a platform list the linter "
                    "cannot know) without --push: the docker exporter behind --load cannot "
                    "load a manifest list")
        flags.append("--load")
    if run.shell == "pwsh":
        flags = [f'"{f}"' if "," in f else f for f in flags]
    edits: list[Edit] = []
    if words[j].value != "buildx":
        edit = _replace(run, words[j].start, words[verb].end, "buildx build")
        if edit is None:
            return "the command's text could not be mapped back to the file"
        edits.append(edit)
    insert = _replace(run, words[verb].end, words[verb].end, _flag_text(run, words[verb].end,
                                                                       flags))
    if insert is None:
        return "the command's text could not be mapped back to the file"
    edits.append(insert)
    tag = docker.tags[0].value if docker.tags else None
    image = image_text(tag, name)
    if name != dir_name(tag):  # a second build of the same image in the job: its own key
        image = f"{image} ({name})"
    prefix = " ".join(run.text[cmd.start:words[d].end].split())
    if "\n" in run.text[cmd.start:words[d].end] or "`" in prefix or "$(" in prefix:
        return "the docker command is written in a way the fixer does not rewrite"
    plan = _Plan(build, image, name, edits, builder=builder, prefix=prefix)
    if "subst" in cmd.context:
        plan.applicability, plan.why_unsafe = "unsafe", (
            "its output is captured by `$( )`, and buildx may print it differently")
        return plan
    why = local_base_reason(build, planner.images, ctx.files)
    if why is not None:
        plan.applicability, plan.why_unsafe = "unsafe", why
    return plan


def _replace(run: ScriptRun, start: int, end: int, text: str) -> Edit | None:
    """An edit replacing script characters ``[start, end)`` by ``text``, at file offsets;
    None when the file does not spell those characters verbatim, or when the scalar's
    style cannot hold ``text``."""
    doc_text = run.doc.text
    style = getattr(run.node, "style", None) or None
    if start == end:
        if start <= 0:
            return None
        off = run.offset(start - 1) + 1
        if doc_text[off - 1:off] != run.text[start - 1]:
            return None
        lo = hi = off
    else:
        lo, hi = run.offset(start), run.offset(end - 1) + 1
        if doc_text[lo:hi] != run.text[start:end]:
            return None
    if (style == "'" and "'" in text) or (style == '"' and ('"' in text or "\\" in text)):
        if style == '"':
            text = text.replace("\\", "\\\\").replace('"', '\\"')
        else:
            text = text.replace("'", "''")
    if style is None and (": " in text or " #" in text):
        return None
    return Edit(lo, hi, text)


def _flag_text(run: ScriptRun, end: int, flags: list[str]) -> str:
    r"""The flags to insert after the verb: one per continuation line in a literal block
    (``\`` in bash, a backtick in PowerShell; the rest of the command follows the last
    one, so a line that already continues keeps doing so), else on the command's line."""
    if getattr(run.node, "style", None) != "|":
        return " " + " ".join(flags)
    doc = run.doc.text
    off = run.offset(end - 1)
    start = doc.rfind("\n", 0, off) + 1
    line = doc[start:off]
    indent = line[:len(line) - len(line.lstrip(" \t"))] + "  "
    mark = "`" if run.shell == "pwsh" else "\\"
    nl = newline(doc)
    return "".join(f" {mark}{nl}{indent}{flag}" for flag in flags)


def _cache_lines(ctx: Context, plan: _Plan, identity: bool, condition: str | None
                 ) -> list[str]:
    from layerlint.fixes.plan import dockerfile_of

    root = ctx.files.root if ctx.files is not None else None
    dockerfile = dockerfile_of(plan.build, root)
    return cache_step_lines(plan.image, dockerfile, f"{CACHE_ROOT}/{plan.name}", identity,
                            plan.name, condition)


def _needs_identity(ctx: Context, timeline: Timeline, plans: list[_Plan]) -> bool:
    return needs_identity(ctx, timeline, [p.build for p in plans],
                          [key_image(p.build) for p in plans])


__all__ = ["BUILDER", "dir_name", "key_image", "needs_identity", "script_dir_names",
           "step_fix"]
