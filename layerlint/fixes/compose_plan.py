"""The LL103 fix's plan for one compose command: the services it builds, their cache dir
names, the bake flags and word edits, or why there is no fix (:mod:`layerlint.fixes.compose`);
and the state the plans of one job share.

The rewritten command is ``docker buildx bake --builder layerlint``, with per built service
``--set S.cache-from=type=local,src=D_S`` and ``--set
S.cache-to=type=local,dest=D_S-new,mode=max``; ``--load`` (bake's default for a container
builder is to keep the images in the builder). Where bake and compose differ, the plan
holds back:

* bake resolves ``context`` against its working directory, not the compose file's
  (docker/buildx#1028, #197; a file-relative opt-in exists only since 2026, past the buildx
  of the hosted images): a compose file in another directory gets ``--set S.context=`` per
  service, rebased onto the command's directory;
* a service whose Dockerfile starts ``FROM`` another built service's image, or an image an
  earlier step built: unsafe (a docker-container builder cannot see the daemon's images);
  so are services named by a variable or template expression (bake fails on a name that
  is not a built service, compose skips it).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerlint.finding import Edit, Fix
from layerlint.fixes.around_step import BUILDER
from layerlint.fixes.cache_step import CACHE_ROOT
from layerlint.fixes.compose_command import Scan, flag_text, quote_set, replace_word, scan_command
from layerlint.fixes.compose_file import Service, read_compose, repo_dockerfile
from layerlint.fixes.platform import (
    EarlierImages,
    base_images,
    dockerfile_args,
    step_os_reason,
)
from layerlint.repo_files import RepoFiles
from layerlint.rules.base import Context
from layerlint.timeline import Build, Timeline

_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?")


@dataclass
class Plan:
    build: Build
    services: list[Service]
    edits: list[Edit]
    why_unsafe: str = ""


@dataclass
class StepFix:
    fix: Fix | None = None
    reasons: dict[int, str] = field(default_factory=dict)


@dataclass
class ComposeJob:
    """What the compose fixes of one job share: the cache dir names already taken (by the
    LL101 fix's builds, by Cache@2 steps already there, by earlier compose builds), and each
    step's fix."""

    taken: set[str]
    by_step: dict[int, list[Build]]
    images: EarlierImages
    steps: dict[int, StepFix] = field(default_factory=dict)
    next: int = 0  # position in ``order`` of the next step to plan
    order: list[int] = field(default_factory=list)
    os: str | None = None
    step_os: dict[str, str | None] = field(default_factory=dict)  # by condition text
    composes: dict[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)



def plan_command(ctx: Context, build: Build, timeline: Timeline, job: ComposeJob
                 ) -> Plan | str:
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
    scan = scan_command(build)
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
    flags = [quote_set(f) for f in flags]
    assert scan.binary is not None and scan.verb is not None
    new_binary = "docker buildx bake" if scan.binary.value.endswith("docker-compose") else \
        "buildx bake"
    if scan.binary.value.endswith("docker-compose") and scan.binary.value != "docker-compose":
        return "a docker-compose binary given by path is not rewritten"
    edits: list[Edit] = []
    for w, text in [(scan.binary, new_binary), *scan.edits]:
        e = replace_word(run, w, text)
        if e is None:
            return "the command's text could not be mapped back to the file"
        edits.append(e)
    verb = replace_word(run, scan.verb, flag_text(run, scan.verb, flags))
    if verb is None:
        return "the command's text could not be mapped back to the file"
    edits.append(verb)
    if not why_unsafe:
        why_unsafe = _local_base(ctx, build, chosen, services, compose_dir, job.images) or ""
    for s in chosen:
        s.key_file = repo_dockerfile(ctx, compose_dir, s)
    return Plan(build, chosen, edits, why_unsafe)


def _compose_of(files: RepoFiles, build: Build, scan: Scan, job: ComposeJob) -> Any:
    """:func:`~layerlint.fixes.compose_file.read_compose`, once per working directory and
    file list in the job (the services are copied: each build gets its own cache dir
    names)."""
    import copy

    key = (build.cwd.key, tuple(w.value for w in scan.files))
    if key not in job.composes:
        job.composes[key] = read_compose(files, build, scan)
    return copy.deepcopy(job.composes[key])



def _dynamic(value: str) -> bool:
    return "$" in value or "`" in value or "*" in value


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
        args = dockerfile_args(text)
        args.update(s.args)
        for image, resolved, unknown in base_images(text, args,
                                                    lambda t: _resolve(t)[0]):
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
