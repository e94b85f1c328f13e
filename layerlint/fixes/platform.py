"""When the cached buildx form cannot be proven to work for a build: the reasons a fix is
withheld (no fix) or downgraded (unsafe), each said in the finding (rules.md, "The fixed
form", "Rewriting inside an existing script").

* **Windows and macOS jobs** get no fix. Windows has no docker-container builder for
  Windows images, and hosted macOS images have no Docker at all. The OS is read from the
  pool (``vmImage``, a pool name that says so, ``demands``) and, where the pool does not say
  (a template, a parameter, a self-hosted pool), from the job's steps: ``--isolation`` and
  ``windows/*`` platforms are Windows-only docker flags, ``scriptType: ps``/``batch`` and
  ``BatchScript``/``cmd`` steps run only on Windows, a job whose inline scripts are all
  PowerShell is a Windows job far more often than not, and a build step conditioned on
  ``Agent.OS`` being ``Windows_NT`` says where it runs.
* **A local base image**: a docker-container builder cannot see the images of the daemon's
  store (docker/buildx#159), so a Dockerfile whose ``FROM`` names an image built (or
  loaded, or tagged) earlier in the same job breaks under it with "pull access denied".
  When that cannot be ruled out, the fix is unsafe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from layerlint._lazyre import lazy_re
from layerlint.pipeline.model import Job, Step
from layerlint.pipeline.paths import expand
from layerlint.repo_files import RepoFiles, read_text
from layerlint.timeline import Build, Timeline

_WINDOWS_COND = lazy_re(__name__, "_WINDOWS_COND", r"windows_nt", re.I)
_NOT_WINDOWS_COND = lazy_re(__name__, "_NOT_WINDOWS_COND",
                            r"ne\(\s*variables\[?['.]?agent\.os['\]]*\s*,\s*'windows_nt'", re.I)


def _step_says_windows(step: Step) -> str | None:
    task = step.task
    if task is not None:
        if task[0] == "batchscript":
            return "a BatchScript task"
        if task[0] in ("azurecli", "azurepowershell"):
            kind = (step.input_text("scriptType") or "").strip().lower()
            if kind in ("ps", "batch"):
                return f"`scriptType: {kind}`"
    return None


def job_os_reason(timeline: Timeline) -> str | None:
    """Why the job is (or looks like) a Windows or macOS job, whatever the build, or None."""
    job = timeline.job
    pool = job.pool
    where = f" (pool {pool.name})" if pool.name else ""
    if pool.os == "windows":
        return f"the job runs on a Windows agent{where}"
    if pool.os == "macos":
        return f"the job runs on a macOS agent{where}, which has no Docker"
    for step in job.steps:
        said = _step_says_windows(step)
        if said is not None:
            return f"the job has {said}, which runs only on Windows"

    for other in timeline.builds:
        docker = other.docker
        if docker is None:
            continue
        if any(name == "--isolation" for name, _ in docker.options):
            return "the job's docker builds use `--isolation`, a Windows-only flag"
        if any("windows/" in p.value.lower() for p in docker.platforms):
            return "the job builds for a `windows/*` platform"
    shells = {run.shell for run in timeline.scripts}
    if pool.os is None and shells and shells <= {"pwsh", "cmd"} and not any(
            s.kind == "bash" for s in job.steps):
        return ("the job's inline scripts are all PowerShell or cmd and its pool does not "
                "say it is Linux")
    return None


def step_os_reason(build: Build, job: Job) -> str | None:
    """Why ``build``'s step may run on Windows: its own condition tests for it, or another
    step of the job does (a template meant for both kinds of agent) and the build step's
    condition does not exclude Windows. None otherwise."""
    condition = build.step.text("condition") or ""
    if _NOT_WINDOWS_COND.search(condition):
        return None
    if _WINDOWS_COND.search(condition):
        return "the step's condition tests for a Windows agent (`Windows_NT`)"
    for step in job.steps:
        other = step.text("condition") or ""
        if _WINDOWS_COND.search(other) and not _NOT_WINDOWS_COND.search(other):
            return ("a step of the job tests for a Windows agent (`Windows_NT`), so the job "
                    "may run on Windows")
    return None


# -- local base images --------------------------------------------------------------------
_FROM = lazy_re(__name__, "_FROM", r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.I | re.M)
_ARG = lazy_re(__name__, "_ARG", r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?", re.I | re.M)
_VAR = lazy_re(__name__, "_VAR", r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?")
_MAKERS = {"load", "tag", "import", "commit"}


def _repo(name: str) -> str:
    """An image reference without digest and tag, lower-case."""
    name = name.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last and not last.startswith("$("):
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name.strip().lower()


class EarlierImages:
    """The images that commands of a job put into the daemon's store, indexed by where
    they ran, so that "was it made before this build?" is a lookup (linear for a job of
    thousands of builds)."""

    def __init__(self, timeline: Timeline) -> None:
        never = (1 << 62, 0)
        self.first: dict[str, tuple[int, int]] = {}  # repository -> first position
        self.tails: dict[str, tuple[int, int]] = {}  # last path component -> first position
        self.unknown = never  # first name the linter cannot read (a shell variable)
        self.opaque = never  # first `docker load`/`import`
        self.any = never
        self.variables = timeline.job.variables
        self._texts: dict[tuple[str, str | None], str | None] = {}
        for other in timeline.builds:
            where = (other.index, other.start)
            if other.docker is not None:
                for t in other.docker.tags:
                    self._add(_repo(t.value), where)
            elif other.kind == "task":
                repository = other.step.input_text("repository", "imageName")
                if repository:
                    self._add(_repo(repository), where)
                else:
                    self.opaque = min(self.opaque, where)
                    self.any = min(self.any, where)
        for run in timeline.scripts:
            for cmd in run.commands:
                words = [w.value for w in cmd.words]
                if len(words) < 2 or words[0].rsplit("/", 1)[-1] != "docker":
                    continue
                where = (run.index, run.offset(cmd.start))
                verb = words[2] if words[1] == "image" and len(words) > 2 else words[1]
                if verb in ("load", "import"):
                    self.opaque = min(self.opaque, where)
                    self.any = min(self.any, where)
                elif verb in ("tag", "commit") and len(words) >= 4:
                    self._add(_repo(words[-1]), where)

    def _add(self, name: str, where: tuple[int, int]) -> None:
        self.any = min(self.any, where)
        name = _repo(expand(name, self.variables))  # `$(imageName)` of a known variable
        tail = name.rsplit("/", 1)[-1]
        if tail.startswith("$") or not tail:
            self.unknown = min(self.unknown, where)
            return
        if name not in self.first or where < self.first[name]:
            self.first[name] = where
        if tail not in self.tails or where < self.tails[tail]:
            self.tails[tail] = where

    def dockerfile(self, build: Build, files: RepoFiles | None) -> str | None:
        """The text of ``build``'s Dockerfile, read once per job and file."""
        docker = build.docker
        key = (build.cwd.key, docker.files[0].value if docker and docker.files else (
            docker.context.value if docker and docker.context else None))
        if key not in self._texts:
            self._texts[key] = _dockerfile_text(build, files)
        return self._texts[key]

    def made_before(self, repo: str, where: tuple[int, int]) -> bool:
        """Whether an image that may be ``repo`` was made before ``where``."""
        if self.unknown < where:
            return True
        if self.first.get(repo, where) < where:
            return True
        return self.tails.get(repo.rsplit("/", 1)[-1], where) < where


def local_base_reason(build: Build, images: EarlierImages, files: RepoFiles | None
                      ) -> str | None:
    """Why the Dockerfile may start ``FROM`` an image that only the daemon has, or None
    when that is ruled out."""
    where = (build.index, build.start)
    if not images.any < where:
        return None
    docker = build.docker
    if docker is None:
        return None
    text = images.dockerfile(build, files)
    if text is None:
        return ("an earlier build of the job may be its base image, and the Dockerfile "
                "cannot be read to rule that out (a docker-container builder cannot see the "
                "daemon's images)")
    if images.opaque < where:
        return ("`docker load`/`import` earlier in the job may provide its base image, which "
                "a docker-container builder cannot see")
    args = dockerfile_args(text)
    for word in docker.build_args:
        key, eq, value = word.value.partition("=")
        args[key] = value if eq else None
    for written, image, unknown in base_images(text, args):
        if unknown or "$" in image:
            return (f"its base image `{written}` depends on a value the linter cannot "
                    "know, and an earlier build of the job may provide it (a "
                    "docker-container builder cannot see the daemon's images)")
        if images.made_before(_repo(expand(image, images.variables)), where):
            return (f"its base image `{image}` is built earlier in the same job and "
                    "lives only in the daemon's store, which a docker-container builder "
                    "cannot see (docker/buildx#159)")
    return None


def dockerfile_args(text: str) -> dict[str, str | None]:
    """``ARG NAME[=default]`` declared before a Dockerfile's first ``FROM``."""
    return {m.group(1): m.group(2) for m in _ARG.finditer(text.split("FROM", 1)[0])}


def base_images(text: str, args: dict[str, str | None],
                resolve: Callable[[str], str] | None = None
                ) -> Iterator[tuple[str, str, bool]]:
    """Each ``FROM`` image of a Dockerfile that is not an earlier stage or ``scratch``:
    (as written, with ``args`` substituted and then ``resolve`` applied, whether a value
    was unknown). Shared by the LL101 and compose fixes' local-base-image checks."""
    stages: set[str] = set()
    for m in _FROM.finditer(text):
        unknown = False

        def sub(v: re.Match[str]) -> str:
            nonlocal unknown
            value = args.get(v.group(1))
            if value is None:
                value = v.group(2)
            if value is None:
                unknown = True
                return v.group(0)
            return value

        image = _VAR.sub(sub, m.group(1))
        if resolve is not None:
            image = resolve(image)
        if m.group(2):
            stages.add(m.group(2).lower())
        if image.lower() in stages or image.lower() == "scratch":
            continue
        yield m.group(1), image, unknown


def _dockerfile_text(build: Build, files: RepoFiles | None) -> str | None:
    docker = build.docker
    if files is None or docker is None:
        return None
    if docker.files:
        return read_text(files, build.cwd, docker.files[0].value)
    context = docker.context.value if docker.context else None
    if context is None or context == "-" or "://" in context:
        return None
    return read_text(files, build.cwd, f"{context.rstrip('/')}/Dockerfile")


__all__ = ["EarlierImages", "job_os_reason", "local_base_reason", "step_os_reason"]
