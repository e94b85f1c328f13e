r"""LL304 key-file-missing

What it does
    Reports an unquoted ``key`` or ``restoreKeys`` segment of a ``Cache@2`` step that the
    agent treats as a file path (it contains ``.`` or ``/``) when it matches no file of the
    repository. Checked only when linting inside a checkout (a ``.git`` at the repository
    root); paths are relative to the repository root, which is
    ``$(System.DefaultWorkingDirectory)``; ``**`` is recursive, ``!`` excludes and ``,``
    separates rules.

Why
    The agent hashes every file a path segment matches, and when nothing matches it throws
    "No matching files found for pattern" / "File not found": the Cache@2 step fails and
    with it the job (azure-pipelines.md 1.2 steps 4, 6 and 8, fact 5). A segment meant as
    text (a version like ``v1.2``) must be quoted.

Bad example
    - task: Cache@2
      inputs:
        key: 'docker | v1.2 | ./Dockerfile'
        path: $(Pipeline.Workspace)/c

Good example
    - task: Cache@2
      inputs:
        key: 'docker | "v1.2" | ./Dockerfile'
        path: $(Pipeline.Workspace)/c

Fix
    Unsafe (the segment may be a file that is generated during the job): quote the segment.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.cachekey import matches_any, path_rules, segments, split
from layerlint.finding import Edit, Fix
from layerlint.repo_files import repo_file_list
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.rules.cacheinputs import Scalar, cache_inputs

META = RuleMeta(
    "LL304", "key-file-missing",
    "A key segment that looks like a path matches no file.", "error", "unsafe",
)


def _matches(ctx: Context, segment: str) -> bool | None:
    """Whether a path segment matches a repository file; None when not decidable (no
    checkout, or a rule outside the repository). Literal paths are checked with one
    ``stat``; only globs need the repository's file list (walked once per run)."""
    if ctx.files is None or not (ctx.files.root / ".git").exists():
        return None
    includes, excludes = path_rules(segment)
    if includes and not excludes and not any(c in r for r in includes for c in "*?["):
        try:
            return any((ctx.files.root / r).is_file() for r in includes)
        except OSError:
            return None
    files = repo_file_list(ctx.files)
    return None if files is None else matches_any(files, segment)


def _unbalanced(raw: str) -> bool:
    """A segment that opens a double quote it never closes (or closes one it never
    opened), whatever a template parameter in it holds."""
    opens, closes = raw.startswith('"'), raw.endswith('"') and len(raw) > 1
    if opens == closes:
        return False
    return not (raw.rstrip().endswith("}}") if opens else raw.lstrip().startswith("${{"))


def _lines(scalar: Scalar, is_key: bool) -> list[tuple[str, str | None]]:
    """(line, the same line as written, when the two align) of a key or restoreKeys."""
    texts = [scalar.text] if is_key else scalar.lines()
    raws = [scalar.raw] if is_key else [ln.strip() for ln in scalar.raw.splitlines()
                                        if ln.strip()]
    if len(raws) != len(texts):
        return [(t, None) for t in texts]
    return list(zip(texts, raws, strict=True))


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.files is None:
        return
    for timeline in ctx.timelines:
        for inputs in cache_inputs(timeline):
            # a template linted on its own: parameter values come from callers elsewhere,
            # and so do the files they name (rules.md, "Unknown values")
            no_caller = not inputs.via
            for scalar in (inputs.key, inputs.restore):
                if scalar is None:
                    continue
                for line, raw_line in _lines(scalar, scalar is inputs.key):
                    segs = segments(line, timeline.job.variables)
                    raws = split(raw_line) if raw_line is not None else []
                    if len(raws) != len(segs):
                        raws = [None] * len(segs)  # type: ignore[list-item]
                    for seg, raw in zip(segs, raws, strict=True):
                        if seg.kind != "path":
                            continue
                        unbalanced = raw is not None and _unbalanced(raw)
                        if not unbalanced and no_caller and "${{" in (raw or scalar.raw):
                            continue
                        if _matches(ctx, seg.expanded) is not False:
                            continue
                        if unbalanced:
                            message = (
                                f"key segment `{raw}` has an unbalanced `\"`: only a "
                                "segment wrapped in double quotes is text, so the agent "
                                "reads this one as a file path, which matches no file, and "
                                "the Cache@2 step fails the job; close the quote"
                            )
                            fix = None
                        else:
                            message = (
                                f"key segment `{seg.text}` is a file path to the agent (it "
                                "has a `.` or `/`) and matches no file in the repository: "
                                "the Cache@2 step fails the job; quote it if it is meant as "
                                "text"
                            )
                            fix = _fix(scalar, seg.text)
                        start, end = scalar.span
                        yield Hit(META.code, scalar.doc, start, end, message, inputs.via,
                                  fix=fix)


def _fix(scalar: Scalar, segment: str) -> Fix | None:
    if scalar.raw != scalar.text:
        return None
    if getattr(scalar.node, "style", None) == "|":  # quote in place, line by line
        at = scalar.raw.find(segment)
        if at < 0 or scalar.raw.find(segment, at + 1) >= 0:
            return None
        offset = scalar.doc.scalar_offsets(scalar.node)
        a, b = offset(at), offset(at + len(segment) - 1) + 1
        edits = (Edit(a, a, '"'), Edit(b, b, '"'))
        return Fix(f"quote {segment}", "unsafe", edits)
    if "\n" in scalar.raw.strip():
        return None
    parts = [p.strip() for p in scalar.raw.split("|")]
    if parts.count(segment) != 1:
        return None
    new = " | ".join(f'"{p}"' if p == segment else p for p in parts)
    edit = fixkit.replace_scalar(scalar.doc, scalar.node, new)
    return Fix(f"quote {segment}", "unsafe", (edit,)) if edit else None
