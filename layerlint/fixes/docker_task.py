"""Replace a ``Docker@2`` build task by the fixed form: Cache@2 plus a buildx script step.

The task's inputs map onto the command line Docker@2 itself would run (azure-pipelines.md
3.3): ``docker build -f <Dockerfile> <arguments> -t <registry>/<repository>:<tag>...
<buildContext>``, where ``buildContext``'s default ``**`` means the Dockerfile's directory
and ``tags`` (default ``$(Build.BuildId)``) splits on newlines and commas.

* ``command: build``: safe, unless ``containerRegistry`` is set: Docker@2 then prefixes
  image names with the registry's login server, which only the service connection knows.
* ``buildAndPush``: unsafe, offered only when the configuration maps the
  ``containerRegistry`` service connection to its login server; it becomes a Docker@2
  ``login`` step, Cache@2 and ``docker buildx build ... --push``.
* No fix for a Dockerfile given as a glob (the default ``**/Dockerfile``), for Docker@0/1,
  on Windows pools, or for steps carrying ``condition``/``env``/... that the new steps
  would have to share.
"""

from __future__ import annotations

import posixpath
import re

from layerlint.cachekey import glob_regex
from layerlint.finding import Edit, Fix
from layerlint.fixes.buildx import BUILDER
from layerlint.fixes.cache_step import cache_step_lines, dockerfile_segment, slug
from layerlint.fixes.plan import cache_dir
from layerlint.fixes.settings import FixSettings
from layerlint.fixes.template_style import TemplateCall, template_text
from layerlint.fixes.yamltext import item_slot, newline, render_step, yaml_scalar
from layerlint.pipeline.model import Job, Step
from layerlint.pipeline.scope import mapping_items
from layerlint.repo_files import RepoFiles, repo_file_list

_STEP_KEYS = {"task", "displayName", "inputs", "name"}


def _resolve_glob(pattern: str, files: RepoFiles | None) -> str | None:
    """Docker@2 globs ``Dockerfile`` (default ``**/Dockerfile``) and takes the first match;
    the fix names the file only when the repository has exactly one match."""
    listing = repo_file_list(files) if files is not None else None
    if listing is None:
        return None
    regex = glob_regex(pattern.lstrip("./"))
    matches = [f for f in listing if regex.match(f)]
    return matches[0] if len(matches) == 1 else None


def raw_input(step: Step, *names: str) -> str | None:
    """A task input as written in the file that holds it: template expressions kept
    (``${{ parameters.x }}``), never a parameter's default substituted, since the fixed
    text goes into the same file and must work for every caller."""
    for name in names:
        found = step.input(name)
        if found is not None:
            value = getattr(found[0], "value", None)
            return value if isinstance(value, str) else None
    return None


def needs_login(step: Step, job: Job, registry: str, push: bool, settings: FixSettings,
                files: RepoFiles | None) -> bool:
    """Whether this step's fix must log in to ``registry``: not when an earlier step of
    the job already does (a ``Docker@2 login`` step, or the fix of an earlier Docker@2
    task of the same registry that is applied whenever this one is: a safe fix goes with
    safe ones only), so a job gets one login per registry."""
    for other in job.steps:
        if other is step:
            return True
        task = other.task
        if task is None or task[0] != "docker" or task[1] != 2:
            continue
        if (raw_input(other, "containerRegistry") or "").strip() != registry.strip():
            continue
        command = (raw_input(other, "command") or "buildAndPush").strip().lower()
        if command == "login":
            return False
        if command in ("build", "buildandpush"):
            fix, _ = docker_task_fix(other, job, settings, files)
            if fix is not None and (fix.applicability == "safe" or push):
                return False
    return True


def docker_task_fix(step: Step, job: Job, settings: FixSettings,
                    files: RepoFiles | None, identity: bool = False) -> tuple[Fix | None, str]:
    """The fix, or None and the reason there is none (for the finding's message)."""
    task = step.task
    if task is None or task[1] != 2:
        return None, "no automatic fix for Docker@0/1 tasks"
    if job.pool.os == "windows":
        return None, "no automatic fix on Windows agents (no buildx docker-container builder)"
    keys = {k for k, _, _ in mapping_items(step.node, step.scope)}
    if keys - _STEP_KEYS:
        return None, f"no automatic fix for a step with {', '.join(sorted(keys - _STEP_KEYS))}"
    command = (raw_input(step, "command") or "buildAndPush").strip().lower()
    root = files.root if files is not None else None
    dockerfile = raw_input(step, "Dockerfile") or "**/Dockerfile"
    if any(c in dockerfile for c in "*?[]"):
        found = _resolve_glob(dockerfile, files)
        if found is None:
            return None, ("no automatic fix while `Dockerfile` is a glob that does not name "
                          "exactly one file of the repository")
        dockerfile = found
    if "$" in dockerfile:
        return None, "no automatic fix while `Dockerfile` holds a variable"
    registry = raw_input(step, "containerRegistry")
    server = settings.registries.get(registry) if registry else None
    if registry and server is None:
        return None, (f"to enable the fix, map the service connection {registry!r} to its "
                      "login server under `registries` in the layerlint configuration")
    if command == "buildandpush" and not registry:
        return None, "no automatic fix for buildAndPush without `containerRegistry`"
    repository = raw_input(step, "repository")
    tags = [t.strip() for t in re.split(r"[\n,]", raw_input(step, "tags") or "$(Build.BuildId)")
            if t.strip()]
    image = f"{server}/{repository}" if server and repository else repository
    name = slug(repository or posixpath.dirname(dockerfile) or "image")
    directory = cache_dir(name)
    context = raw_input(step, "buildContext")
    if not context or context.strip() == "**":
        context = posixpath.dirname(dockerfile) or "."
    push = command == "buildandpush"
    extra = [f"-t {image}:{tag}" for tag in tags] if image else []
    arguments = " ".join((raw_input(step, "arguments") or "").split())
    if arguments and not push:  # buildAndPush ignores `arguments`; keep that behaviour
        extra.append(arguments)
    flags = [f"--cache-from=type=local,src={directory}",
             f"--cache-to=type=local,dest={directory}-new,mode=max",
             "--push" if push else "--load", f"-f {dockerfile}", *extra, context]
    script = ["set -euo pipefail",
              f"docker buildx inspect {BUILDER} >/dev/null 2>&1 \\",
              f"  || docker buildx create --name {BUILDER} --driver docker-container",
              f"docker buildx build --builder {BUILDER} \\"]
    script += [f"  {flag} \\" for flag in flags[:-1]] + [f"  {flags[-1]}"]
    script += [f"rm -rf {directory}", f"mv {directory}-new {directory}"]
    display = step.text("displayName") or f"Build {name} (cached)"
    slot = item_slot(step.doc, step.node)
    if slot is None:
        return None, "no automatic fix for this step's layout"
    nl = newline(step.doc.text)
    steps: list[list[str]] = []
    if registry and needs_login(step, job, registry, push, settings, files):
        steps.append(["task: Docker@2", f"displayName: Log in to {registry}", "inputs:",
                      "  command: login", f"  containerRegistry: {yaml_scalar(registry or '')}"])
    segment = dockerfile_segment(dockerfile, root)
    new_files: tuple[tuple[str, str], ...] = ()
    if settings.style == "template" and segment is not None and root is not None:
        call = TemplateCall(name, segment, context, " ".join(extra), "--push" if push else "--load",
                            step.text("displayName"))
        steps.append(call.lines(settings.template))
        target = (root / settings.template.lstrip("/")).resolve()
        if not target.exists():
            new_files = ((str(target), template_text(settings.template)),)
    else:
        steps.append(cache_step_lines(repository or name, segment, directory, identity))
        steps.append(["script: |", *[f"  {line}" for line in script],
                      f"displayName: {yaml_scalar(display)}"])
    text = "".join(render_step(lines, slot, nl) for lines in steps)
    title = (f"Replace Docker@2 {'buildAndPush' if push else 'build'} by Cache@2 and a cached "
             f"buildx build ({name})")
    edit = Edit(slot.start, slot.end, text)
    return Fix(title, "unsafe" if push else "safe", (edit,), new_files,
               steps_added=len(steps) - 1), ""
