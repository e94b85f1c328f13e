"""Replace a ``Docker@0/1/2`` build task by the fixed form: Cache@2, a registry login when
the task had one, and a buildx script step that runs what the task ran (the inputs are
mapped in :mod:`layerlint.fixes.task_inputs`).

* Without a registry, ``build`` (Docker@2) and ``Build an image`` (Docker@0/1) are safe.
* With a registry, the task names its images ``LOGIN_SERVER/repository``, and only the
  service connection knows that server: :mod:`layerlint.fixes.registry` reads it from the
  configuration (safe for ``build``), or from the pipeline itself (unsafe, and the title
  says which value was used and how to pin it). The fix logs in first (a private base
  image needs it), once per job and registry.
* ``buildAndPush`` is unsafe: one ``docker buildx build --push``.
* ``condition``/``enabled`` go onto every new step, ``env`` and the rest onto the build.
* No fix on Windows/macOS jobs, for a Dockerfile glob that does not name exactly one file
  of the repository, or for inputs the fix cannot reproduce (the reason is reported).
"""

from __future__ import annotations

import posixpath

from layerlint._lazyre import lazy_re
from layerlint.cachekey import glob_regex
from layerlint.finding import Edit, Fix
from layerlint.fixes.around_step import BUILDER
from layerlint.fixes.cache_step import cache_step_lines, dockerfile_segment
from layerlint.fixes.plan import cache_dir
from layerlint.fixes.registry import RUNTIME_LINES, Server, login_server, override_hint
from layerlint.fixes.settings import FixSettings
from layerlint.fixes.step_keys import carried_keys
from layerlint.fixes.task_inputs import TaskBuild, has_registry_part, raw_input, read_task
from layerlint.fixes.template_style import TemplateCall, template_text
from layerlint.fixes.yamltext import item_slot, newline, render_step, yaml_scalar
from layerlint.pipeline.model import Job, Step
from layerlint.repo_files import RepoFiles, repo_file_list

__all__ = ["docker_task_fix", "needs_login", "raw_input"]
_TOKEN = lazy_re(__name__, "_TOKEN", r"\$\{\{.*?\}\}|\$\([^)]*\)")


def _resolve_glob(pattern: str, files: RepoFiles | None) -> str | None:
    """The tasks glob ``Dockerfile`` (default ``**/Dockerfile``) and take the first match;
    the fix names the file only when the repository has exactly one match."""
    listing = repo_file_list(files) if files is not None else None
    if listing is None:
        return None
    regex = glob_regex(pattern.lstrip("./"))
    matches = [f for f in listing if regex.match(f)]
    if not matches and "/" not in pattern:  # matchBase: a bare name matches at any depth
        regex = glob_regex("**/" + pattern)
        matches = [f for f in listing if regex.match(f)]
    return matches[0] if len(matches) == 1 else None


def _registry_steps(job: Job) -> list[Step]:
    return [s for s in job.steps if s.task is not None and s.task[0] == "docker"]


def _connection(step: Step) -> str:
    task = step.task
    if task is not None and task[1] == 2:
        return (raw_input(step, "containerRegistry") or "").strip()
    return (raw_input(step, "azureContainerRegistry", "dockerRegistryEndpoint",
                      "dockerRegistryConnection") or "").strip()


def needs_login(step: Step, job: Job, registry: str, unsafe: bool, settings: FixSettings,
                files: RepoFiles | None) -> bool:
    """Whether this step's fix must log in to ``registry``: not when an earlier step of
    the job already does (a Docker ``login`` step, or the fix of an earlier Docker task
    of the same registry that is applied whenever this one is: a safe fix goes with safe
    ones only), so a job gets one login per registry."""
    for other in job.steps:
        if other is step:
            return True
        task = other.task
        if task is None or task[0] != "docker" or _connection(other) != registry:
            continue
        if _condition(other) != _condition(step):
            continue  # that login may be skipped when this build runs
        command = (raw_input(other, "command", "action") or "").strip().lower()
        if command == "login":
            return False
        fix, _ = docker_task_fix(other, job, settings, files, login_known=False)
        if fix is not None and (fix.applicability == "safe" or unsafe):
            return False
    return True


def _condition(step: Step) -> str:
    return " ".join((step.text("condition") or "").split())


def _later_unqualified(step: Step, job: Job) -> bool:
    """A later Docker@2 task without a registry input qualifies its image names with every
    registry the job is logged in to: a login that stays for the rest of the job (the task
    logged out after itself) would change them."""
    after = False
    for other in _registry_steps(job):
        if other is step:
            after = True
            continue
        task = other.task
        if after and task is not None and task[1] == 2 and not _connection(other):
            command = (raw_input(other, "command") or "buildAndPush").strip().lower()
            if command not in ("login", "logout", "start", "stop"):
                return True
    return False


def _server(step: Step, job: Job, build: TaskBuild, settings: FixSettings
            ) -> Server | str | None:
    connection = build.connection
    if connection is None:
        return None
    if build.acr_server is not None:
        return Server(f"{build.acr_server.lower()}/", f"the task's Azure Container Registry "
                                                      f"{build.acr_server!r}", configured=True)
    one = {_connection(s) for s in _registry_steps(job)} <= {connection, ""}
    server = login_server(connection, job, step, settings, runtime=build.major == 2 and one)
    if server is None:
        return (f"the login server of the service connection {connection!r} cannot be read "
                f"from the pipeline: {override_hint(connection)} to enable the fix")
    return server


def _names(build: TaskBuild, server: Server | None) -> tuple[list[str], bool]:
    """The ``-t`` values, and whether a ``lower`` shell function is needed (a name that
    holds a macro or expression is lower-cased at run time, as the task does)."""
    out, lower = [], False
    for name in build.names:
        prefix = ""
        if server is not None and build.qualify and not (
                build.major < 2 and has_registry_part(name)):
            prefix = server.prefix
        if build.major == 2:
            repo, tag = build.repository, name[len(build.repository) + 1:]
        else:
            repo, tag = name, ""
        if build.major < 2 and not build.lower_all:
            out.append(f"-t {prefix}{name}")
            continue
        if _TOKEN.search(repo):
            text = f'"{prefix}$(lower "{repo}")"' + (f":{tag}" if tag else "")
            lower = True
        else:
            text = prefix + repo.lower().replace(" ", "") + (f":{tag}" if tag else "")
            text = f'"{text}"' if prefix.startswith("$") else text
        out.append(f"-t {text}")
    return out, lower


def docker_task_fix(step: Step, job: Job, settings: FixSettings,
                    files: RepoFiles | None, identity: bool = False,
                    dir_name: str | None = None, login_known: bool = True,
                    base_reason: str | None = None) -> tuple[Fix | None, str]:
    """The fix, or None and the reason there is none (for the finding's message).
    ``login_known=False``: only the applicability matters (the login is taken to be
    needed), so that :func:`needs_login` asks earlier tasks without recursing."""
    task = step.task
    if task is None or task[0] != "docker" or task[1] not in (0, 1, 2):
        return None, "not a Docker task"
    if job.pool.os in ("windows", "macos"):
        return None, "no fix on Windows or macOS agents (no buildx docker-container builder)"
    build = read_task(step, task[1])
    if isinstance(build, str):
        return None, build
    carried = carried_keys(step)
    if isinstance(carried, str):
        return None, carried
    written = step.doc.text[step.origin.start:step.origin.end]
    if _INSERTION.search(written):
        return None, ("the task's inputs hold template conditions or loops (`${{ if }}`, "
                      "`${{ each }}`) that a replacing script cannot carry")
    root = files.root if files is not None else None
    dockerfile = build.dockerfile.strip()
    if any(c in dockerfile for c in "*?[]"):
        found = _resolve_glob(dockerfile, files)
        if found is None:
            return None, ("the Dockerfile is a glob that does not name exactly one file of "
                          "the repository")
        dockerfile = found
    if build.push and not build.connection:
        return None, "buildAndPush without `containerRegistry` pushes to no registry"
    if not build.names and build.push:
        return None, "buildAndPush without `repository` names no image to push"
    server = _server(step, job, build, settings)
    if isinstance(server, str):
        return None, server
    why_unsafe = "buildAndPush becomes `docker buildx build --push`" if build.push else ""
    if server is not None and not server.configured:
        why_unsafe = f"{server.source}; {override_hint(build.connection or '')}"
    why_unsafe = why_unsafe or base_reason or ""
    login = bool(build.connection) and (not login_known or needs_login(
        step, job, build.connection or "", bool(why_unsafe), settings, files))
    if login and _later_unqualified(step, job):
        why_unsafe = why_unsafe or ("the registry login stays for the rest of the job, and "
                                    "a later Docker@2 task without `containerRegistry` "
                                    "qualifies its image names with it")
    base = _dir(build.repository or posixpath.dirname(dockerfile) or "image")
    name = dir_name or base
    key_name = build.repository or name
    if name != base:  # a second build of the same image in the job: its own key
        key_name = f"{key_name} ({name})"
    directory = cache_dir(name)
    context = build.context or posixpath.dirname(dockerfile) or "."
    names, lower = _names(build, server)
    output = "--push" if build.push else "--load"
    flags = [f"--cache-from=type=local,src={directory}",
             f"--cache-to=type=local,dest={directory}-new,mode=max",
             output, f"-f {dockerfile}", *names, *build.extra, context]
    script = ["set -euo pipefail", f"mkdir -p {directory}"]
    if server is not None and server.runtime:
        script += RUNTIME_LINES
    if lower:
        script.append('lower() { local v="${1,,}"; printf %s "${v// /}"; }')
    script += [f"docker buildx inspect {BUILDER} >/dev/null 2>&1 \\",
               f"  || docker buildx create --name {BUILDER} --driver docker-container",
               f"docker buildx build --builder {BUILDER} \\"]
    script += [f"  {flag} \\" for flag in flags[:-1]] + [f"  {flags[-1]}"]
    # the build's own script: it stops at a failed build (set -e); the dir exists from its
    # start, even when nothing is exported (the post-job save fails on a missing path)
    script += [f"if [ -d {directory}-new ]; then", f"  rm -rf {directory}",
               f"  mv {directory}-new {directory}", "fi"]
    slot = item_slot(step.doc, step.node)
    if slot is None:
        return None, "the step is not written as a block list item"
    steps: list[list[str]] = []
    if login and build.connection:
        steps.append([f"task: Docker@{2 if build.major == 2 else 1}",
                      f"displayName: {yaml_scalar('Log in to ' + build.connection)}",
                      "inputs:", "  command: login",
                      *[f"  {k}: {yaml_scalar(v)}" for k, v in build.login_inputs],
                      *carried.every])
    segment = dockerfile_segment(dockerfile, root)
    display = step.text("displayName") or f"Build {name} (cached)"
    new_files: tuple[tuple[str, str], ...] = ()
    plain = not (carried.every or carried.build or lower or (server and server.runtime))
    if settings.style == "template" and plain and segment is not None and root is not None:
        call = TemplateCall(name, segment, context, " ".join(flags[4:-1]), output,
                            step.text("displayName"))
        steps.append(call.lines(settings.template))
        target = (root / settings.template.lstrip("/")).resolve()
        if not target.exists():
            new_files = ((str(target), template_text(settings.template)),)
    else:
        steps.append([*cache_step_lines(key_name, segment, directory, identity, name),
                      *carried.every])
        steps.append(["script: |", *[f"  {line}" for line in script],
                      f"displayName: {yaml_scalar(display)}", *carried.every, *carried.build])
    text = "".join(render_step(lines, slot, newline(step.doc.text)) for lines in steps)
    command = raw_input(step, "command", "action") or ("buildAndPush" if task[1] == 2
                                                       else "Build an image")
    title = (f"Replace Docker@{task[1]} {command.strip()} by Cache@2 and a cached buildx "
             f"build ({name})")
    if why_unsafe:
        title += f" [unsafe: {why_unsafe}]"
    return Fix(title, "unsafe" if why_unsafe else "safe", (Edit(slot.start, slot.end, text),),
               new_files, steps_added=len(steps) - 1), ""


_INSERTION = lazy_re(__name__, "_INSERTION", r"\$\{\{\s*(?:if|elseif|else|each)\b")


def _dir(image: str) -> str:
    from layerlint.fixes.inplace import dir_name

    return dir_name(image)

