"""The LL103 fix: a compose build in a script becomes ``docker buildx bake`` over the same
compose files, with a local cache per built service (rules.md, "The fixed form", "Rewriting
inside an existing script (in place)"; buildx-cache.md 5).

What the fix writes, without editing the compose file:

* **the command keeps its place**: its words are rewritten one by one, so whatever ``set -e``,
  ``if``, ``||`` or last-command context it had, it keeps, and it fails when a service fails
  to build. ``docker compose build`` / ``docker-compose build`` becomes ``docker buildx bake
  --builder layerlint``; the ``-f`` files and the services named stay as written; per built
  service ``--set S.cache-from=type=local,src=D_S`` and ``--set
  S.cache-to=type=local,dest=D_S-new,mode=max``; ``--load`` (bake's default for a
  container builder is to keep the images in the builder). Build flags map: ``--pull``
  stays, ``--build-arg K=V`` becomes ``--set *.args.K=V``, ``-q`` becomes
  ``--progress=quiet``, ``--progress X`` becomes ``--progress=X``; ``--parallel``,
  ``--force-rm``, ``--rm``, ``--compress`` (docker-compose v1 flags without effect on a
  BuildKit build) and ``-p`` (only unnamed images use the project name, and there are none)
  are dropped. Anything else: no fix, and the finding says which flag;
* before the step, one Cache@2 per service and the guarded builder / stale ``-new`` cleanup
  step; after it, the rotation step (the same steps as the LL101 fix, conditions carried).

Bake reads compose files with compose-go (``bake/compose.go``) but not as compose does, so
the fix is only offered where the difference cannot show:

* bake resolves ``context`` against its working directory, not the compose file's
  (docker/buildx#1028, #197; a file-relative opt-in exists only since 2026, past the buildx
  of the hosted images): a compose file in another directory gets ``--set S.context=`` per
  service, rebased onto the command's directory;
* bake tags a service only from ``image:``/``build.tags``; compose names an unnamed image
  ``<project>_<service>`` (v1) or ``<project>-<service>`` (v2), depending on the binary:
  a service without ``image:`` means no fix;
* bake reads ``.env`` from its working directory, compose from the project directory;
  it builds every profile; it ignores ``platforms``, ``extra_hosts``, ``privileged``,
  ``isolation``, ``pull``, ``no_cache``, ``entitlements``; it sanitises service names:
  any of these means no fix;
* ``extends``/``include`` and files that are not in the repository: no fix (the services
  cannot be known);
* a service whose Dockerfile starts ``FROM`` another built service's image, or an image an
  earlier step built: unsafe (a docker-container builder cannot see the daemon's images);
  so are services named by a variable or template expression (bake fails on a name that
  is not a built service, compose skips it).
"""

from __future__ import annotations

import posixpath
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerlint.finding import Edit, Fix
from layerlint.fixes.cache_step import CACHE_ROOT, cache_step_lines, dockerfile_segment
from layerlint.fixes.platform import EarlierImages, job_os_reason, step_os_reason
from layerlint.fixes.yamltext import item_slot, newline, render_step, yaml_scalar
from layerlint.pipeline.model import Step
from layerlint.repo_files import COMPOSE_NAMES, RepoFiles
from layerlint.rules.base import Context
from layerlint.shell import Word
from layerlint.timeline import Build, ScriptRun, Timeline

BUILDER = "layerlint"
OVERRIDE_NAMES = ("compose.override.yaml", "compose.override.yml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")
_GLOBAL_VALUE = {"-f", "--file", "-p", "--project-name"}
_GLOBAL_OTHER = {"--profile", "--env-file", "--project-directory", "--ansi", "--parallel",
                 "--progress", "-H", "--host", "-c", "--context", "--log-level",
                 "--tlscacert", "--tlscert", "--tlskey"}
_BUILD_VALUE = {"--build-arg", "--progress"}
_BUILD_DROPPED = {"--parallel", "--force-rm", "--rm", "--compress"}
_PROGRESS = {"auto", "plain", "tty", "quiet"}
# build: keys bake maps as compose does (bake/compose.go ParseCompose)
_BUILD_KEYS = {"context", "dockerfile", "args", "target", "labels", "network", "shm_size",
               "ulimits", "tags"}
_TARGET_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.I | re.M)
_ARG = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?", re.I | re.M)
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?")
_PLAIN = re.compile(r"^[A-Za-z0-9_.,=:/@%+-]+$")


@dataclass
class Service:
    name: str
    image: str
    context: str  # as written (relative to the compose file's directory)
    dockerfile: str
    args: dict[str, str | None]
    dir: str = ""  # cache dir name under docker_cache/
    key_file: str | None = None  # the Dockerfile, relative to the repository root


@dataclass
class _Plan:
    build: Build
    services: list[Service]
    edits: list[Edit]
    why_unsafe: str = ""


@dataclass
class _StepFix:
    fix: Fix | None = None
    reasons: dict[int, str] = field(default_factory=dict)


@dataclass
class _Job:
    """What the compose fixes of one job share: the cache dir names already taken (by the
    LL101 fix's builds, by Cache@2 steps already there, by earlier compose builds), and each
    step's fix."""

    taken: set[str]
    by_step: dict[int, list[Build]]
    images: EarlierImages
    steps: dict[int, _StepFix] = field(default_factory=dict)
    next: int = 0  # position in ``order`` of the next step to plan
    order: list[int] = field(default_factory=list)
    os: str | None = None
    step_os: dict[str, str | None] = field(default_factory=dict)  # by condition text
    composes: dict[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)


_MEMO: weakref.WeakKeyDictionary[Timeline, _Job] = weakref.WeakKeyDictionary()


def compose_fix(ctx: Context, build: Build, timeline: Timeline) -> tuple[Fix | None, str]:
    """The fix that caches ``build`` (with the other compose builds of its step), or None
    and the reason there is none."""
    job = _MEMO.get(timeline)
    if job is None:
        by_step: dict[int, list[Build]] = {}
        for b in timeline.builds:
            if b.kind == "compose" and not b.cached and b.docker is not None:
                by_step.setdefault(b.index, []).append(b)
        job = _MEMO[timeline] = _Job(_taken_dirs(timeline), by_step, EarlierImages(timeline),
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
def _fix_step(ctx: Context, timeline: Timeline, builds: list[Build], job: _Job) -> _StepFix:
    out = _StepFix()
    plans: list[_Plan] = []
    for build in builds:
        plan = _plan(ctx, build, timeline, job)
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
    nl = newline(step.doc.text)
    condition = _condition(step)
    identity = _needs_identity(ctx, timeline, plans)
    root = ctx.files.root if ctx.files is not None else None
    before: list[list[str]] = []
    services = [s for p in plans for s in p.services]
    for p in plans:
        for s in p.services:
            segment = dockerfile_segment(s.key_file, root)
            before.append(cache_step_lines(s.dir, segment, f"{CACHE_ROOT}/{s.dir}", identity,
                                           s.dir, condition))
    dirs = [f"{CACHE_ROOT}/{s.dir}" for s in services]
    sudo = "sudo " if any(p.build.docker and p.build.docker.sudo for p in plans) else ""
    setup = [f"{sudo}docker buildx inspect {BUILDER} >/dev/null 2>&1 \\",
             f"  || {sudo}docker buildx create --name {BUILDER} --driver docker-container",
             f"{sudo}rm -rf " + " ".join(f"{d}-new" for d in dirs)]
    label = ", ".join(s.name for s in services)
    before.append(_script_lines(setup, f"Set up Docker layer cache ({label})", condition))
    rotate: list[str] = []
    for d in dirs:
        rotate += [f"if [ -d {d}-new ]; then", f"  {sudo}rm -rf {d}", f"  {sudo}mv {d}-new {d}",
                   "fi", f"mkdir -p {d}"]
    after = _script_lines(rotate, f"Rotate Docker layer cache ({label})", condition)
    edits = [e for p in plans for e in p.edits]
    edits.append(Edit(slot.start, slot.start,
                      "".join(render_step(lines, slot, nl) for lines in before)))
    text = step.doc.text
    lead = nl if slot.end == len(text) and not text.endswith("\n") else ""
    edits.append(Edit(slot.end, slot.end, lead + render_step(after, slot, nl)))
    unsafe = [p for p in plans if p.why_unsafe]
    title = f"Build with buildx bake and a local layer cache per service ({label})"
    if unsafe:
        title += f" [unsafe: {unsafe[0].why_unsafe}]"
    out.fix = Fix(title, "unsafe" if unsafe else "safe", tuple(sorted(edits)),
                  steps_added=len(before) + 1)
    return out


def _taken_dirs(timeline: Timeline) -> set[str]:
    from layerlint.fixes.inplace import script_dir_names

    taken = {n.lower() for n in script_dir_names(timeline).values()}
    for cache in timeline.caches:
        if cache.path is not None and cache.path.written:
            taken.add(cache.path.written.rstrip("/").rsplit("/", 1)[-1].lower())
    return taken


def _condition(step: Step) -> str | None:
    found = step.get("condition")
    value = getattr(found[0], "value", None) if found else None
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())


def _script_lines(body: list[str], display: str, condition: str | None) -> list[str]:
    lines = ["script: |", *[f"  {line}" for line in body], f"displayName: {yaml_scalar(display)}"]
    if condition is not None:
        lines.append(f"condition: {yaml_scalar(condition)}")
    return lines


def _needs_identity(ctx: Context, timeline: Timeline, plans: list[_Plan]) -> bool:
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


# -- one command ---------------------------------------------------------------------------
@dataclass
class _Scan:
    files: list[Word] = field(default_factory=list)
    services: list[Word] = field(default_factory=list)
    edits: list[tuple[Word, str]] = field(default_factory=list)  # word -> new text
    verb: Word | None = None
    binary: Word | None = None


def _scan(build: Build) -> _Scan | str:
    """The command's words: compose files, services, and the word edits that turn it into
    bake (or why it cannot be)."""
    docker = build.docker
    assert docker is not None
    words = docker.command.words
    out = _Scan()
    i = 0
    while i < len(words) and (_is_assignment(words[i].value) or words[i].value == "sudo"):
        if words[i].value == "sudo" and i + 1 < len(words) and words[i + 1].value.startswith("-"):
            return "`sudo` with options is not rewritten"
        i += 1
    if i >= len(words):
        return "the compose command could not be read"
    name = words[i].value.replace("\\", "/").rsplit("/", 1)[-1]
    if name == "docker-compose":
        out.binary = words[i]
        i += 1
    elif name == "docker":
        if i + 1 >= len(words) or words[i + 1].value != "compose":
            return "docker options before `compose` are not rewritten"
        out.binary = words[i + 1]
        i += 2
    else:
        return "the compose command is written in a way the fixer does not rewrite"
    # global options
    while i < len(words) and words[i].value.startswith("-"):
        flag, eq, _ = words[i].value.partition("=")
        if flag in _GLOBAL_VALUE:
            value = _value(words, i, flag, bool(eq))
            if value is None:
                return f"`{flag}` without a value"
            if flag in ("-f", "--file"):
                out.files.append(value)
            else:  # the project name: bake has none, and every built image is named
                out.edits.append((words[i], ""))
                if not eq:
                    out.edits.append((value, ""))
            i += 1 if eq else 2
            continue
        return (f"the compose option `{flag}` has no bake equivalent that the fix can "
                "prove to behave the same")
    if i >= len(words) or words[i].value != "build":
        return "only `compose build` is rewritten (`up --build` builds and starts in one command)"
    out.verb = words[i]
    i += 1
    while i < len(words):
        w = words[i]
        v = w.value
        if v == "--":
            return "`--` in a compose build is not rewritten"
        if not v.startswith("-") or len(v) < 2:
            out.services.append(w)
            i += 1
            continue
        flag, eq, _ = v.partition("=")
        if flag == "--no-cache":
            return "the build runs with --no-cache on purpose"
        if flag == "--pull":
            i += 1
            continue
        if flag in ("-q", "--quiet"):
            out.edits.append((w, "--progress=quiet"))
            i += 1
            continue
        if flag in _BUILD_DROPPED:
            out.edits.append((w, ""))
            i += 1
            continue
        if flag in _BUILD_VALUE:
            value = _value(words, i, flag, bool(eq))
            if value is None:
                return f"`{flag}` without a value"
            if flag == "--progress":
                if value.value not in _PROGRESS:
                    return f"`--progress {value.value}` has no bake equivalent"
                new = f"--progress={value.value}"
            else:
                key, has, _ = value.value.partition("=")
                if not has or not key or "$" in key:
                    return ("`--build-arg` without `=VALUE` takes its value from the "
                            "environment, which bake's `--set` cannot do")
                raw = _raw(build.script, value)
                if raw is None or (eq and raw != w.value[len(flag) + 1:]):
                    return "a quoted `--build-arg=` is not rewritten"
                if eq:
                    raw = w.value[len(flag) + 1:]
                # bash joins the quoted prefix to the word as written: the value expands
                # exactly as it did after --build-arg
                new = "--set '*.args.'" + raw
            if eq:
                out.edits.append((w, new))
            else:  # `--build-arg K=V` -> `--set '*.args.'K=V`, `--progress X` -> ...
                head, _, tail = new.partition(" ") if flag == "--build-arg" else (new, "", "")
                out.edits.append((w, head))
                out.edits.append((value, tail))
            i += 1 if eq else 2
            continue
        return f"the compose build flag `{flag}` is not mapped to bake"
    return out


def _is_assignment(value: str) -> bool:
    return re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", value) is not None


def _value(words: Sequence[Word], i: int, flag: str, eq: bool) -> Word | None:
    if eq:
        w = words[i]
        skip = len(flag) + 1
        start = w.start + skip if w.end - w.start == len(w.value) else w.start
        return Word(w.value[skip:], start, w.end, w.quoted)
    return words[i + 1] if i + 1 < len(words) else None


def _raw(run: ScriptRun | None, w: Word) -> str | None:
    if run is None:
        return None
    return run.text[w.start:w.end]


def _plan(ctx: Context, build: Build, timeline: Timeline, job: _Job) -> _Plan | str:
    docker, run = build.docker, build.script
    if docker is None or run is None:
        return "the command could not be read"
    if not docker.tool.endswith(" build"):
        return ("`up --build` builds and starts the services in one command; caching it "
                "would split it in two (build with `docker compose build` first)")
    if docker.no_cache:
        return "the build runs with --no-cache on purpose"
    condition = build.step.text("condition") or ""
    if condition not in job.step_os:
        job.step_os[condition] = step_os_reason(build, timeline.job)
    why = job.step_os[condition]
    if why is not None:
        return f"no fix on Windows or macOS jobs: {why}"
    if run.shell != "bash":
        return "compose builds are rewritten in bash scripts only"
    if run.doc is not build.step.doc:
        return "the script is passed from another file than its step"
    cmd = docker.command
    if cmd.after == "&":
        return "the build runs in the background"
    if set(cmd.context) & {"subst", "subshell"}:
        return "the build runs in a `$( )` or `( )` subshell, whose output may be used"
    for env in (build.step.env(), timeline.job.variables):
        for k in env:
            if k.upper().startswith("COMPOSE_") and k.upper() != "COMPOSE_PROJECT_NAME":
                return f"`{k}` changes how compose reads its files, and bake does not read it"
    if re.search(r"\bCOMPOSE_(?!PROJECT_NAME)[A-Z_]+=", run.text):
        return "the script sets a `COMPOSE_*` variable, which bake does not read"
    scan = _scan(build)
    if isinstance(scan, str):
        return scan
    if ctx.files is None:
        return "the compose file is not in the repository, so its services are unknown"
    read = _compose_of(ctx.files, build, scan, job)
    if isinstance(read, str):
        return read
    services, compose_dir, rel_dir, default = read
    by_name = {s.name: s for s in services}
    why_unsafe = ""
    for w in scan.services:
        if _dynamic(w.value):
            why_unsafe = (f"the services to build (`{w.value}`) are a value the linter cannot "
                          "check against the compose file: bake fails on a name that is not a "
                          "built service, where compose skips it")
        elif w.value not in by_name:
            return (f"`{w.value}` is not a service with a `build:` section in the compose "
                    "file: bake would fail on it where compose skips it")
    chosen = services if not scan.services or why_unsafe else [
        by_name[w.value] for w in scan.services]
    if not chosen:
        return "the compose file has no service with a `build:` section"
    # cache dir per service, unique in the job
    for s in chosen:
        base = "compose-" + re.sub(r"[^a-z0-9._-]+", "-", s.name.lower())
        name, n = base, 1
        while name in job.taken:
            n += 1
            name = f"{base}-{n}"
        job.taken.add(name)
        s.dir = name
    flags = [f"--builder {BUILDER}"] + ([f"-f {default}"] if default else [])
    for s in chosen:
        if rel_dir not in ("", ".") and "://" not in s.context:
            ctx_path = posixpath.normpath(posixpath.join(rel_dir, s.context))
            flags.append(f"--set {s.name}.context={ctx_path}")
        d = f"{CACHE_ROOT}/{s.dir}"
        flags += [f"--set {s.name}.cache-from=type=local,src={d}",
                  f"--set {s.name}.cache-to=type=local,dest={d}-new,mode=max"]
    flags.append("--load")
    if any("'" in f or " " in f.split(" ", 1)[1] for f in flags[1:-1]):
        return "a path of the compose file cannot be written in a `--set` value"
    flags = [_quote_set(f) for f in flags]
    assert scan.binary is not None and scan.verb is not None
    new_binary = "docker buildx bake" if scan.binary.value.endswith("docker-compose") else \
        "buildx bake"
    if scan.binary.value.endswith("docker-compose") and scan.binary.value != "docker-compose":
        return "a docker-compose binary given by path is not rewritten"
    edits: list[Edit] = []
    for w, text in [(scan.binary, new_binary), *scan.edits]:
        e = _replace(run, w, text)
        if e is None:
            return "the command's text could not be mapped back to the file"
        edits.append(e)
    verb = _replace(run, scan.verb, _flag_text(run, scan.verb, flags))
    if verb is None:
        return "the command's text could not be mapped back to the file"
    edits.append(verb)
    if not why_unsafe:
        why_unsafe = _local_base(ctx, build, chosen, services, compose_dir, job.images) or ""
    for s in chosen:
        s.key_file = _repo_dockerfile(ctx, compose_dir, s)
    return _Plan(build, chosen, edits, why_unsafe)


def _compose_of(files: RepoFiles, build: Build, scan: _Scan, job: _Job) -> Any:
    """:func:`_read_compose`, once per working directory and file list in the job (the
    services are copied: each build gets its own cache dir names)."""
    import copy

    key = (build.cwd.key, tuple(w.value for w in scan.files))
    if key not in job.composes:
        job.composes[key] = _read_compose(files, build, scan)
    return copy.deepcopy(job.composes[key])


def _quote_set(flag: str) -> str:
    if not flag.startswith("--set "):
        return flag
    value = flag[len("--set "):]
    return f"--set {value}" if _PLAIN.match(value) and "$" not in value else f"--set '{value}'"


def _dynamic(value: str) -> bool:
    return "$" in value or "`" in value or "*" in value


def _replace(run: ScriptRun, w: Word, text: str) -> Edit | None:
    from layerlint.fixes.inplace import _replace as replace

    return replace(run, w.start, w.end, text)


def _flag_text(run: ScriptRun, verb: Word, flags: list[str]) -> str:
    r"""The flags that replace the ``build`` verb: one per continuation line in a literal
    block (the command's words after it follow the last one), else on one line."""
    if getattr(run.node, "style", None) != "|":
        return " ".join(flags)
    doc = run.doc.text
    off = run.offset(verb.start)
    start = doc.rfind("\n", 0, off) + 1
    line = doc[start:off]
    indent = line[:len(line) - len(line.lstrip(" \t"))] + "  "
    nl = newline(doc)
    return flags[0] + "".join(f" \\{nl}{indent}{flag}" for flag in flags[1:])


# -- the compose file ----------------------------------------------------------------------
def _read_compose(files: RepoFiles, build: Build, scan: _Scan
                  ) -> tuple[list[Service], Path, str, str | None] | str:
    """The built services of the compose files the command reads, merged as compose
    merges them; the first file's directory (in the repository, and as the command
    names it relative to its working directory); the default file's name when the command
    names none (bake must be given it: its own default list also reads ``docker-bake.*``
    files and every compose name present, where compose takes the first)."""
    run = build.script
    assert run is not None
    sub = run.substitute
    if scan.files:
        written = [sub(w.value) for w in scan.files]
        paths = [files.local(build.cwd, w) for w in written]
        missing = [w for w, p in zip(written, paths, strict=True) if p is None]
        if missing:
            return (f"the compose file `{missing[0]}` is not in the repository (or is named "
                    "by a value the linter cannot know), so its services are unknown")
        found = [p for p in paths if p is not None]
        default = None
        rel_dir = posixpath.dirname(written[0].replace("\\", "/"))
        if rel_dir.startswith("$("):
            return "the compose file is named from a macro, so its directory is not known"
    else:
        first = next(((c, p) for c in COMPOSE_NAMES
                      if (p := files.local(build.cwd, c)) is not None), None)
        if first is None:
            return ("no compose file in the command's directory is in the repository, so its "
                    "services are unknown")
        found = [first[1]]
        default = first[0]
        override = next((p for c in OVERRIDE_NAMES
                         if (p := files.local(build.cwd, c)) is not None), None)
        if override is not None:
            return ("compose merges the override file only when no `-f` is given: name the "
                    "files with `-f` first")
        rel_dir = ""
    compose_dir = found[0].parent
    cwd_dir = _cwd_dir(files, build)
    if cwd_dir is None or cwd_dir.resolve() != compose_dir.resolve():
        for d, who in ((compose_dir, "compose"), (cwd_dir, "bake")):
            if d is not None and (d / ".env").exists():
                return (f"a `.env` file that only {who} reads: compose reads `.env` beside "
                        "the compose file, bake from its working directory")
    merged: dict[str, dict[str, Any]] = {}
    for path in found:
        data = _load(files, path)
        if isinstance(data, str):
            return data
        if "include" in data:
            return "the compose file uses `include`, which the fix does not follow"
        services = data.get("services")
        if not isinstance(services, dict):
            return f"`{path.name}` has no `services` mapping the fix can read"
        for name, body in services.items():
            if not isinstance(body, dict):
                return f"service `{name}` is not a mapping"
            into = merged.setdefault(str(name), {})
            for k, v in body.items():
                if k == "build" and isinstance(v, dict) and isinstance(into.get("build"), dict):
                    into["build"] = {**into["build"], **v}
                else:
                    into[k] = v
    out: list[Service] = []
    for name, body in merged.items():
        if "extends" in body:
            return f"service `{name}` uses `extends`, which the fix does not follow"
        b = body.get("build")
        if b is None:
            continue
        if "profiles" in body:
            return (f"service `{name}` has `profiles`: bake builds every profile, compose only "
                    "the active ones")
        if not _TARGET_NAME.match(name):
            return f"bake renames service `{name}` (only letters, digits, `_` and `-` are kept)"
        if isinstance(b, str):
            b = {"context": b}
        if not isinstance(b, dict):
            return f"the `build` of service `{name}` cannot be read"
        extra = sorted(str(k) for k in b if k not in _BUILD_KEYS)
        if extra:
            if any(k in ("cache_from", "cache_to") for k in extra):
                return (f"service `{name}` already declares a cache: finish the cache "
                        "settings in the compose file")
            return (f"bake does not build `build.{extra[0]}` of service `{name}` as compose "
                    "does")
        image = body.get("image")
        if not isinstance(image, str) or not image.strip():
            return (f"service `{name}` has no `image:`: compose names its image "
                    f"`<project>_{name}` (v1) or `<project>-{name}` (v2), bake would leave it "
                    "untagged")
        context = str(b.get("context") or ".")
        if "$" in context:
            return f"the build context of service `{name}` depends on a variable"
        dockerfile = str(b.get("dockerfile") or "Dockerfile")
        raw_args = b.get("args") or {}
        args: dict[str, str | None] = {}
        if isinstance(raw_args, list):
            for a in raw_args:
                k, eq, v = str(a).partition("=")
                args[k] = v if eq else None
        elif isinstance(raw_args, dict):
            args = {str(k): (None if v is None else str(v)) for k, v in raw_args.items()}
        out.append(Service(name, image.strip(), context, dockerfile, args))
    return out, compose_dir, rel_dir, default


def _cwd_dir(files: RepoFiles, build: Build) -> Path | None:
    from layerlint.pipeline.paths import SOURCES

    cwd = build.cwd
    if not cwd.known or not (cwd.key == SOURCES or cwd.key.startswith(SOURCES + "/")):
        return None
    return files.root / cwd.key[len(SOURCES):].lstrip("/")


MAX_NODES = 100_000


def _load(files: RepoFiles, path: Path) -> dict[str, Any] | str:
    """The compose file as plain data, read through the engine's loader (its limits on
    size, aliases and encodings); ``<<`` merge keys applied."""
    from layerlint.document import DocumentError

    doc = files.load(path)
    if isinstance(doc, DocumentError) or doc.root is None:
        return f"`{path.name}` cannot be read as YAML"
    budget = [MAX_NODES]
    try:
        data = _plain(doc.root, budget)
    except _TooLarge:
        return f"`{path.name}` is too large to read"
    if not isinstance(data, dict):
        return f"`{path.name}` is not a compose file"
    return data


class _TooLarge(Exception):
    pass


def _plain(node: object, budget: list[int]) -> Any:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for k, v in node.value:
            key = getattr(k, "value", None)
            if key == "<<" or getattr(k, "tag", "") == "tag:yaml.org,2002:merge":
                for m in (v.value if isinstance(v, SequenceNode) else [v]):
                    value = _plain(m, budget)
                    if isinstance(value, dict):
                        merged = {**value, **merged}
                continue
            out[str(key)] = _plain(v, budget)
        return {**merged, **out}
    if isinstance(node, SequenceNode):
        return [_plain(v, budget) for v in node.value]
    value = getattr(node, "value", None)
    tag = getattr(node, "tag", "")
    if tag.endswith(":null"):
        return None
    return value


def _repo_dockerfile(ctx: Context, compose_dir: Path, s: Service) -> str | None:
    """The service's Dockerfile, relative to the repository root."""
    if ctx.files is None or "://" in s.context:
        return None
    try:
        path = (compose_dir / s.context / s.dockerfile).resolve()
        return path.relative_to(ctx.files.root).as_posix()
    except (OSError, ValueError):
        return None


def _resolve(text: str) -> tuple[str, bool]:
    """``${X:-default}`` interpolated with its default; whether a value was unknown."""
    unknown = False

    def sub(m: re.Match[str]) -> str:
        nonlocal unknown
        if m.group(2) is not None:
            return m.group(2)
        unknown = True
        return m.group(0)

    return _VAR.sub(sub, text), unknown


def _repo(name: str) -> str:
    name = name.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name.strip().lower()


def _local_base(ctx: Context, build: Build, chosen: list[Service], services: list[Service],
                compose_dir: Path, images: EarlierImages) -> str | None:
    """Why a service's Dockerfile may start ``FROM`` an image only the daemon has: one
    another service of the command builds, or one an earlier step of the job made."""
    names = {}
    for s in services:
        image, unknown = _resolve(s.image)
        names[_repo(image).rsplit("/", 1)[-1] if unknown else _repo(image)] = s.name
    where = (build.index, build.start)
    for s in chosen:
        if "://" in s.context:
            continue
        try:
            path = (compose_dir / s.context / s.dockerfile).resolve()
            root = ctx.files.root if ctx.files is not None else None
            if root is None or not path.is_relative_to(root) or not path.is_file():
                raise OSError
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            if len(chosen) > 1 or images.any < where:
                return (f"the Dockerfile of service `{s.name}` cannot be read to rule out a "
                        "base image built by another service or an earlier step (a "
                        "docker-container builder cannot see the daemon's images)")
            continue
        args: dict[str, str | None] = {m.group(1): m.group(2) for m in
                                       _ARG.finditer(text.split("FROM", 1)[0])}
        for k, v in s.args.items():
            args[k] = v
        stages: set[str] = set()
        for m in _FROM.finditer(text):
            image = m.group(1)
            if m.group(2):
                stages.add(m.group(2).lower())
            unknown = False

            def sub(v: re.Match[str], args: dict[str, str | None] = args) -> str:
                nonlocal unknown
                value = args.get(v.group(1))
                if value is None:
                    value = v.group(2)
                if value is None:
                    unknown = True
                    return v.group(0)
                return value

            resolved, _ = _resolve(_VAR.sub(sub, image))
            if resolved.lower() in stages or resolved.lower() == "scratch":
                continue
            repo = _repo(resolved)
            other = names.get(repo) or names.get(repo.rsplit("/", 1)[-1])
            if other is not None and other != s.name:
                return (f"service `{s.name}` builds FROM `{image}`, the image of service "
                        f"`{other}`: a docker-container builder cannot see the daemon's "
                        "images (docker/buildx#159)")
            if unknown and (len(services) > 1 or images.any < where):
                return (f"the base image `{image}` of service `{s.name}` depends on a value "
                        "the linter cannot know, and another build may provide it (a "
                        "docker-container builder cannot see the daemon's images)")
            if images.made_before(repo, where):
                return (f"the base image `{image}` of service `{s.name}` is built earlier in "
                        "the job and lives only in the daemon's store, which a "
                        "docker-container builder cannot see (docker/buildx#159)")
    return None
