"""Names of the fixed form's caches: the image a key names, the cache dir of each build,
and whether a key needs a job-identity segment (rules.md, "The fixed form": "Keys are per
build, per job, per matrix leg, per template caller").

* The image keeps agent macros (``$(imageName)``) and template expressions
  (``${{ parameters.name }}``) verbatim: the agent expands them before Cache@2 runs, so
  they tell jobs and callers apart, while a parameter's default never is baked in. The tag
  (``:$(Build.BuildId)``) and digest are dropped: a per-run tag would never restore.
* A cache dir is the last path component of the repository, unique within the job
  (``-2``, ...); macros stay verbatim there too, since the Cache@2 ``path`` and the script
  expand them the same way. Shell variables become their names (only the shell knows
  their values).
* A job-identity segment (:data:`~layerlint.fixes.cache_step.JOB_IDENTITY`) is needed where
  one key text would run in several jobs: matrix/parallel legs, templates (called from any
  number of jobs), steps passed as parameters, an image that is a shell variable, and two
  jobs of a pipeline that build the same image.
"""

from __future__ import annotations

import re
import weakref

from layerlint._lazyre import lazy_re
from layerlint.rules.base import Context
from layerlint.timeline import Build, Timeline

_SHELL_VAR = lazy_re(__name__, "_SHELL_VAR", r"\$(?!\()\{?[A-Za-z_]")  # $X or ${X}, not a $(macro)
_TOKEN = lazy_re(__name__, "_TOKEN", r"\$\{\{.*?\}\}|\$\([A-Za-z0-9_.]+\)")


def image_text(tag: str | None, fallback: str) -> str:
    """The image's repository as the key names it: the tag's text without ``:tag`` or
    ``@digest``; macros and template expressions kept verbatim."""
    if not tag:
        return fallback
    parts = _split_tokens(tag.split("@", 1)[0])
    # the tag starts at the last `:` of a literal run that no `/` follows
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        if _TOKEN.fullmatch(part):
            continue
        cut, slash = part.rfind(":"), part.rfind("/")
        if cut > slash:
            parts = [*parts[:i], part[:cut]]
        if slash >= 0 or cut > slash:
            break
    text = "".join(parts).strip()
    return text.replace('"', "") or fallback


def _split_tokens(text: str) -> list[str]:
    """``text`` cut into macro/expression tokens and the literal runs between them."""
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        out.append(m.group(0))
        pos = m.end()
    if pos < len(text) or not out:
        out.append(text[pos:])
    return out


def _dir_name(tag: str | None) -> str:
    """A directory name for an image: the last path component of its repository, without
    tag; agent macros and template expressions kept verbatim (expanded the same way in
    the Cache@2 ``path`` and in the script), shell variables turned into their names."""
    if not tag:
        return "image"
    text = image_text(tag, "image")
    # the last path component, not cutting inside a token
    parts = _split_tokens(text)
    tail: list[str] = []
    for part in reversed(parts):
        if _TOKEN.fullmatch(part):
            tail.insert(0, part)
            continue
        if "/" in part:
            tail.insert(0, part.rsplit("/", 1)[-1])
            break
        tail.insert(0, part)
    out = []
    for part in tail:
        if _TOKEN.fullmatch(part):
            out.append(part)
        else:
            lit = re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", r"\1", part).lower()
            out.append(re.sub(r"[^a-z0-9._-]+", "-", lit))
    name = "".join(out).strip("-.")
    return name or "image"


def dir_name(image: str | None) -> str:
    """A cache dir name for an image name as written (Docker tasks' ``repository``)."""
    return _dir_name(image)


def script_dir_names(timeline: Timeline) -> dict[int, str]:
    return _dir_names(timeline)


def _dir_names(timeline: Timeline) -> dict[int, str]:
    """A cache dir name per build of the job, unique within the job (``-2``, ...)."""
    taken: set[str] = set()
    tried: dict[str, int] = {}  # the last suffix tried per base name: linear in the builds
    names: dict[int, str] = {}
    for b in sorted(timeline.builds, key=lambda b: (b.index, b.start)):
        if b.docker is None:
            continue
        base = _dir_name(b.docker.tags[0].value if b.docker.tags else None)
        name, n = base, tried.get(base.lower(), 1)
        if n > 1:
            name = f"{base}-{n}"
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        tried[base.lower()] = n
        taken.add(name.lower())
        names[id(b)] = name
    return names


_KEYS: weakref.WeakKeyDictionary[Context, dict[str, int]] = weakref.WeakKeyDictionary()


def needs_identity(ctx: Context, timeline: Timeline, builds: list[Build], images: list[str]
                   ) -> bool:
    """Whether the keys need a job-identity segment: matrix/parallel legs run one text,
    a template runs for every caller, and two jobs of a pipeline may build the same image."""
    job = timeline.job
    if job.legs or job.name == "parameters" or any(b.step.scope.via for b in builds):
        return True
    if any(_SHELL_VAR.search(image) for image in images):
        return True  # `$IMAGE_NAME` is the same text in every job, whatever its value
    if _is_template(ctx):
        return True
    counts = _KEYS.get(ctx)
    if counts is None:
        counts = {}
        for t in ctx.timelines:
            for image in {key_image(b).lower() for b in t.builds}:
                counts[image] = counts.get(image, 0) + 1
        _KEYS[ctx] = counts
    return any(counts.get(image.lower(), 0) > 1 for image in images)


def key_image(build: Build) -> str:
    """The image a build's key names: its first tag's repository (a script build), or its
    ``repository`` input as written (a Docker task)."""
    if build.docker is not None:
        return image_text(build.docker.tags[0].value if build.docker.tags else None, "image")
    for name in ("repository", "imageName"):
        found = build.step.input(name)
        value = getattr(found[0], "value", None) if found else None
        if isinstance(value, str):
            return value if name == "repository" else image_text(value, "image")
    return "image"


def _is_template(ctx: Context) -> bool:
    """A file that is (most likely) a template, called from jobs the linter may not see:
    top-level ``parameters`` and no trigger, a bare list of steps, or text that reads
    ``${{ parameters.* }}`` (libgit2's ``docker.yml`` declares none)."""
    from ruamel.yaml.nodes import MappingNode

    root = ctx.doc.root
    if not isinstance(root, MappingNode):
        return True  # a bare list of steps: an old-style fragment
    keys = {str(k.value) for k, _ in root.value}
    if keys & {"trigger", "pr", "schedules", "resources", "pool", "name"}:
        return False
    return "parameters" in keys or re.search(r"\$\{\{\s*parameters\.", ctx.doc.text) is not None
