"""The check pipeline: files -> documents -> pipeline model -> job timelines -> rules ->
findings. One :class:`Engine` per run; documents are parsed once and shared, so a template
included by many pipelines is read once.

Where findings land (rules.md, "Clarifications"): a problem is reported once, in the file
that holds the offending text. A problem found in a template while expanding a caller is
dropped when the template linted on its own (with its defaults) has it too; when it exists
only because of the values the caller passes, it is reported at the caller's
``- template:`` reference instead. Findings are deduplicated by (file, code, line).

Which files get LL001 when they do not parse (rules.md, "Which unparsable files get
LL001"): a file named on the command line, one whose name or place marks it as a pipeline
(:func:`layerlint.discover.marked_as_pipeline`), one that parsed but repeats a key and is a
pipeline by its content, and a template that a linted pipeline references (reported once,
in the template, after every file has been linted). Any other unparsable YAML is skipped
like other YAML that is not a pipeline; ``--verbose`` says why.

Then, in this order: ``per-file-ignores`` from the configuration drop findings by path,
and inline ``# layerlint: disable=...`` comments (:mod:`layerlint.suppress`) drop findings
by line, unless the engine was told to disregard them (``--no-ignores``). Excluded paths
are never read. With ``agents`` set to ``hosted`` or ``self-hosted``, every job's pool is
taken to be of that kind before the rules run.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from layerlint._record import MutableRecord, Record
from layerlint.discover import DEFAULT_EXCLUDE, iter_files, marked_as_pipeline, repo_root_for
from layerlint.document import DEFAULT_MAX_BYTES, Document, DocumentError, load
from layerlint.finding import Finding
from layerlint.pipeline.detect import why_not_pipeline
from layerlint.pipeline.loader import Loader
from layerlint.pipeline.model import Pool
from layerlint.repo_files import RepoFiles
from layerlint.rules import RULES, meta
from layerlint.rules.base import Context, Hit
from layerlint.severity_types import Severity
from layerlint.timeline import Build, Timeline, build_timeline

if TYPE_CHECKING:
    from layerlint.baseline import Key
    from layerlint.config import PathRules
    from layerlint.fixes.settings import FixSettings
    from layerlint.suppress import Suppression

Status = Literal["linted", "skipped", "error"]


class FileStatus(Record):
    __slots__ = ("path", "reason", "status")
    path: str
    status: Status
    reason: str

    def __init__(self, path: str, status: Status, reason: str = "") -> None:
        self.path = path
        self.status = status
        self.reason = reason


class BuildRecord(Record):
    __slots__ = ("cache", "cached", "column", "command", "kind", "line", "path")
    path: str
    line: int
    column: int
    kind: str
    command: str
    cached: bool
    cache: tuple[str, ...]

    def __init__(self, path: str, line: int, column: int, kind: str, command: str, cached: bool,
                 cache: tuple[str, ...]) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.kind = kind
        self.command = command
        self.cached = cached
        self.cache = cache


class Result(MutableRecord):
    __slots__ = ("builds", "files", "findings", "internal_errors", "unused_suppressions")
    findings: list[Finding]
    files: list[FileStatus]
    builds: list[BuildRecord]
    internal_errors: list[str]
    unused_suppressions: list[str]  # "path:line: ..."

    def __init__(self, findings: list[Finding] | None = None, files: list[FileStatus] | None = None,
                 builds: list[BuildRecord] | None = None, internal_errors: list[str] | None = None,
                 unused_suppressions: list[str] | None = None) -> None:
        self.findings = [] if findings is None else findings
        self.files = [] if files is None else files
        self.builds = [] if builds is None else builds
        self.internal_errors = [] if internal_errors is None else internal_errors
        self.unused_suppressions = [] if unused_suppressions is None else unused_suppressions


class _Linted(MutableRecord):
    __slots__ = ("hits", "timelines")
    hits: list[Hit]
    timelines: list[Timeline]

    def __init__(self, hits: list[Hit], timelines: list[Timeline]) -> None:
        self.hits = hits
        self.timelines = timelines


def expand_codes(items: Iterable[str]) -> set[str]:
    """Rule codes named by codes, code prefixes (``LL2``), rule names or ``ALL``; raises
    ValueError naming an item that matches no rule."""
    from layerlint.rules import BY_NAME

    out: set[str] = set()
    for item in items:
        item = item.strip()
        if not item:
            continue
        if item.upper() == "ALL":
            out |= set(RULES)
        elif item in BY_NAME:
            out.add(BY_NAME[item])
        else:
            matched = {c for c in RULES if c.startswith(item.upper())}
            if not matched:
                raise ValueError(f"unknown rule code or name: {item!r}")
            out |= matched
    return out


def select_codes(select: Iterable[str] | None, ignore: Iterable[str] | None,
                 extend: Iterable[str] = ()) -> set[str]:
    """Codes enabled by ``select`` (default: all) plus ``extend``, minus ``ignore``."""
    codes = expand_codes(select) if select else set(RULES)
    return (codes | expand_codes(extend)) - expand_codes(ignore or ())


@contextlib.contextmanager
def relaxed_gc() -> Iterator[None]:
    """Collect cyclic garbage less often while linting. Composing YAML allocates millions of
    small, acyclic node objects, and with the default thresholds the collector runs every
    700 allocations and keeps re-scanning the documents kept for template lookups: on the
    corpus that is 40% of the run (bench/run.py: 340 -> 580 files/s with this)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextlib.contextmanager
def gc_per_file() -> Iterator[Callable[[], None]]:
    """Relaxed collection (:func:`relaxed_gc`), and a function to call between files that
    moves everything alive into the collector's permanent generation (``gc.freeze``).

    The documents kept for template lookups are most of the heap, and with generational
    collection alone each one is scanned again by every young collection until it reaches
    the oldest generation: one middle-generation collection over 2,000 corpus files took
    0.7 s, a quarter of the run. Frozen objects are never scanned, so a collection only
    looks at what the current file allocated. Cyclic garbage that a file leaves behind is
    only freed after the run (``gc.unfreeze``); what one file allocates is still collected
    while it is checked. When something else froze objects first, it is left alone."""
    with relaxed_gc():
        if gc.get_freeze_count() or not gc.isenabled():
            yield lambda: None
            return
        def next_file() -> None:
            gc.collect(1)  # what the file left: everything older is frozen
            gc.freeze()

        try:
            yield next_file
        finally:
            gc.unfreeze()


class Engine:
    def __init__(self, codes: set[str] | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 cwd: Path | None = None, template_repos: dict[str, Path] | None = None,
                 severity: dict[str, Severity] | None = None, agents: str = "auto",
                 paths: PathRules | None = None, inline_ignores: bool = True,
                 skip_dirs: tuple[str, ...] = DEFAULT_EXCLUDE) -> None:
        self.codes = codes if codes is not None else set(RULES)
        self.agents = agents
        self.paths = paths
        self.inline_ignores = inline_ignores
        self.skip_dirs = skip_dirs  # directory names not walked into (vendor/ by default)
        self.max_bytes = max_bytes
        self.cwd = (cwd or Path.cwd()).resolve()
        self.template_repos = template_repos or {}
        self.severity = severity or {}
        self._docs: dict[Path, Document | DocumentError] = {}
        self._linted: dict[Path, _Linted | None] = {}
        self._suppressions: dict[str, list[Suppression]] = {}
        self._once: set[str] = set()  # keys of hits reported once per run (cycles)
        self._broken: dict[Path, DocumentError] = {}  # unparsable templates referenced
        self.fix_settings: FixSettings | None = None  # fix.style, fix.template, registries

    # -- documents ---------------------------------------------------------------------
    def display(self, path: Path) -> str:
        """Paths are reported relative to the working directory (``../x`` included), as
        users name them; absolute only when no relative path exists (another drive)."""
        try:
            return os.path.relpath(path, self.cwd)
        except ValueError:
            return str(path)

    def document(self, path: Path) -> Document | DocumentError:
        found = self._docs.get(path)  # keys are resolved paths: a hit needs no resolving
        return found if found is not None else self._document(path.resolve())

    def _document(self, resolved: Path) -> Document | DocumentError:
        found = self._docs.get(resolved)
        if found is None:
            try:
                found = load(resolved, self.display(resolved), self.max_bytes)
            except DocumentError as exc:
                found = exc
            self._docs[resolved] = found
        return found

    # -- run ---------------------------------------------------------------------------
    def run(self, paths: Iterable[str]) -> Result:
        result = Result()
        seen_builds: set[tuple[str, int, int]] = set()
        findings: dict[tuple[str, str, int], Finding] = {}
        with gc_per_file() as next_file:
            for path, root, explicit in iter_files(paths, self.cwd, self.skip_dirs):
                if self.paths is not None and self.paths.excluded(path):
                    continue
                for f in self._check_file(path, root, explicit, result, seen_builds):
                    findings.setdefault((f.path, f.code, f.line), f)
                next_file()
            for f in self._broken_templates(result):
                findings.setdefault((f.path, f.code, f.line), f)
        result.findings = self._filter(sorted(findings.values()))
        if self.inline_ignores and any(self._suppressions.values()):
            from layerlint.suppress import unused

            result.unused_suppressions = unused(self._suppressions)
        return result

    def _filter(self, findings: list[Finding]) -> list[Finding]:
        """Drop what ``per-file-ignores`` and inline suppressions cover."""
        if self.paths is not None and self.paths.per_file_ignores:
            paths = self.paths
            findings = [f for f in findings
                        if f.code not in paths.ignored_codes(self.cwd / f.path)]
        if not self.inline_ignores or not any(self._suppressions.values()):
            return findings  # (and the suppression module is not imported)
        from layerlint.suppress import apply

        return list(apply(findings, self._suppressions))

    def _parse_suppressions(self, doc: Document) -> None:
        if self.inline_ignores and doc.display not in self._suppressions:
            if "layerlint" not in doc.text.lower():  # no directive: skip the comment scan
                self._suppressions[doc.display] = []
                return
            from layerlint.suppress import parse

            self._suppressions[doc.display] = parse(doc)

    def fingerprint_keys(self, findings: Iterable[Finding], base: Path) -> list[Key]:
        """Baseline keys of findings of this run (:mod:`layerlint.baseline`)."""
        from layerlint.baseline import key_for

        docs = {d.display: d for d in self._docs.values() if isinstance(d, Document)}
        return [key_for(f, docs.get(f.path), base.resolve(), self.cwd) for f in findings]

    def _check_file(self, path: Path, root: Path, explicit: bool, result: Result,
                    seen_builds: set[tuple[str, int, int]]) -> Iterator[Finding]:
        resolved = path.resolve()
        doc = self._document(resolved)
        display = doc.display if isinstance(doc, Document) else self.display(resolved)
        if isinstance(doc, DocumentError):
            if explicit or marked_as_pipeline(path, root) or (
                doc.document is not None and why_not_pipeline(doc.document.root) is None
            ):
                yield from self._invalid(display, doc, result)
            else:
                result.files.append(FileStatus(
                    display, "skipped", f"not a pipeline file, and not valid YAML: "
                    f"{doc.message} (line {doc.line}); not checked"))
            return
        reason = why_not_pipeline(doc.root)
        if reason is not None:
            result.files.append(FileStatus(display, "skipped", reason))
            return
        try:
            linted = self._lint(doc, root)
            hits = [h for h in linted.hits if not h.once or h.once not in self._once]
            self._once.update(h.once for h in hits if h.once)
            placed = [f for f in (self._place(h, doc, root) for h in hits) if f]
        except Exception as exc:  # a bug in layerlint must not hide the other files
            result.files.append(FileStatus(display, "error", f"internal error: {exc!r}"))
            result.internal_errors.append(f"{display}: {exc!r}")
            return
        result.files.append(FileStatus(display, "linted"))
        self._parse_suppressions(doc)
        for timeline in linted.timelines:
            for build in timeline.builds:
                record = self._build_record(build)
                key = (record.path, record.line, record.column)
                if key not in seen_builds:
                    seen_builds.add(key)
                    result.builds.append(record)
        yield from placed

    def _invalid(self, display: str, error: DocumentError, result: Result,
                 ) -> Iterator[Finding]:
        """LL001 for a pipeline file that cannot be used, and its status."""
        result.files.append(FileStatus(display, "error", error.message))
        if "LL001" in self.codes:
            yield self._finding_at("LL001", display, error.line, error.column, error.line,
                                   error.column, error.message)

    def _broken_templates(self, result: Result) -> Iterator[Finding]:
        """LL001 in each unparsable template that a linted pipeline references, once, at
        the template (its callers get nothing: the template exists)."""
        for path, error in sorted(self._broken.items()):
            if self.paths is not None and self.paths.excluded(path):
                continue
            display = self.display(path)
            statuses = [s for s in result.files if s.path == display]
            if any(s.status == "error" for s in statuses):
                continue  # reported already (named on the command line, or by its place)
            result.files[:] = [s for s in result.files if s.path != display]
            yield from self._invalid(display, error, result)

    def check_document(self, doc: Document, root: Path) -> list[Finding]:
        """Findings (with their fixes) of one parsed document: what the fixer re-lints
        after each pass. ``doc`` need not be on disk in this state."""
        if why_not_pipeline(doc.root) is not None:
            return []
        linted = self._lint(doc, root)
        found: dict[tuple[str, str, int], Finding] = {}
        for hit in linted.hits:
            f = self._place(hit, doc, root)
            if f is not None:
                found.setdefault((f.path, f.code, f.line), f)
        self._suppressions.pop(doc.display, None)  # the text may have changed
        self._parse_suppressions(doc)
        return self._filter(sorted(found.values()))

    def _lint(self, doc: Document, root: Path) -> _Linted:
        loader = Loader(root, self.document, self.template_repos)
        pipeline = loader.load(doc)
        self._broken.update(pipeline.broken_templates)
        if self.agents in ("hosted", "self-hosted"):
            for job in pipeline.jobs:
                pool = job.pool
                job.pool = Pool(self.agents == "hosted", pool.os, pool.name, pool.known)
        files = RepoFiles(root, self.document)
        timelines = [build_timeline(job, files.compose_cached, files.compose_builds)
                     for job in pipeline.jobs]
        ctx = Context(doc, pipeline, timelines, files, self.fix_settings)
        hits: list[Hit] = []
        for code in sorted(self.codes):
            hits.extend(RULES[code].check(ctx))
        return _Linted(hits, timelines)

    def _standalone(self, doc: Document, root: Path) -> set[tuple[str, int]]:
        """(code, offset) of the hits a template has when linted on its own."""
        cached = self._linted.get(doc.path)
        if doc.path not in self._linted:
            cached = None if why_not_pipeline(doc.root) else self._lint(doc, root)
            self._linted[doc.path] = cached
        if cached is None:
            return set()
        return {(h.code, h.start) for h in cached.hits if h.doc.path == doc.path}

    def _place(self, hit: Hit, doc: Document, root: Path) -> Finding | None:
        if hit.doc.path == doc.path:
            return self._finding(hit, hit.doc, hit.start, hit.end, hit.message)
        local = hit.doc.path.is_relative_to(root.resolve())
        if local and (hit.code, hit.start) in self._standalone(hit.doc, root):
            return None  # reported when the template itself is linted
        # a template of another repository (template-repos) is not linted in this run:
        # its problems are reported at the reference that brings them in
        ref = next((o for o in hit.via if o.doc.path == doc.path), None)
        if ref is None:
            return None
        line = hit.doc.position(hit.start)[0]
        where = f"{self.display(hit.doc.path)}:{line}"
        message = f"{hit.message} (in template {where}, with the parameters passed here)"
        # the fix's edits are offsets into the template, not into this file: drop it
        return self._finding(hit, ref.doc, ref.start, ref.end, message, keep_fix=False)

    def _finding(self, hit: Hit, doc: Document, start: int, end: int,
                 message: str, keep_fix: bool = True) -> Finding:
        line, col = doc.position(start)
        end_line, end_col = doc.position(max(start, end))
        severity: Severity = self.severity.get(hit.code) or hit.severity or meta(
            hit.code).severity
        no_fix = hit.no_fix if keep_fix or hit.fix is None else (
            "the fix would edit the template, which is fixed where it is linted on its own")
        if not no_fix and meta(hit.code).fix:
            no_fix = (f"no automatic fix for this case (`layerlint explain {hit.code}` says "
                      "when there is one)")
        return Finding(doc.display, line, col, hit.code, end_line, end_col, meta(hit.code).name,
                       severity, message, hit.fix if keep_fix else None,
                       "" if keep_fix and hit.fix is not None else no_fix)

    def _finding_at(self, code: str, path: str, line: int, col: int, end_line: int,
                    end_col: int, message: str) -> Finding:
        m = meta(code)
        return Finding(path, line, col, code, end_line, end_col, m.name,
                       self.severity.get(code, m.severity), message)

    def _build_record(self, build: Build) -> BuildRecord:
        types = sorted({ref.spec.type for ref in build.imports})
        line, column = build.doc.position(build.start)
        return BuildRecord(build.doc.display, line, column, build.kind, build.command,
                           build.cached, tuple(types))


__all__ = ["DEFAULT_MAX_BYTES", "Engine", "Result", "expand_codes", "repo_root_for",
           "select_codes"]
