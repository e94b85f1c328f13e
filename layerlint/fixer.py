"""Apply fixes: text edits at offsets of the original text, never a re-dump of the tree.

The only module that writes user files (``write_atomic``). ``apply_edits`` is the pure core:
it applies non-overlapping edits in one pass (an edit overlapping one already taken is
skipped, like ruff's applier), copying the untouched text through.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from layerlint.discover import iter_files
from layerlint.document import Document, DocumentError, parse_text
from layerlint.engine import Engine, relaxed_gc
from layerlint.finding import Edit, Finding, Fix
from layerlint.pipeline.detect import why_not_pipeline


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply ``edits`` (offsets into ``text``); overlapping later edits are skipped."""
    out: list[str] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos or edit.end < edit.start or edit.end > len(text):
            continue
        out.append(text[pos:edit.start])
        out.append(edit.replacement)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def select_fixes(fixes: Iterable[Fix]) -> list[Fix]:
    """Fixes whose edits do not overlap an earlier chosen fix (all edits of a fix apply
    together or not at all). A fix shared by several findings (the builds of one step) is
    taken once. Insertions at the same offset from two fixes are both kept, in the order
    of the fixes (the rotation step after one step, then the Cache@2 step before the next
    one). Each overlap test is a binary search, so thousands of fixes cost n log n."""
    chosen: list[Fix] = []
    seen: set[int] = set()
    taken = _Taken()
    unique = []
    for fix in fixes:
        if id(fix) not in seen:
            seen.add(id(fix))
            unique.append(fix)
    for fix in sorted(unique, key=lambda f: min((e.start for e in f.edits), default=0)):
        if any(taken.overlaps(e.start, e.end) for e in fix.edits):
            continue
        chosen.append(fix)
        for e in fix.edits:
            taken.add(e.start, e.end)
    return chosen


class _Taken:
    """Spans already taken: disjoint replaced spans, and insertion points."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.points: list[int] = []

    def overlaps(self, s: int, e: int) -> bool:
        import bisect

        if e <= s:  # an insertion: only a replaced span strictly around it is in the way
            j = bisect.bisect_left(self.starts, s) - 1
            return j >= 0 and self.ends[j] > s
        j = bisect.bisect_left(self.starts, e) - 1
        if j >= 0 and self.ends[j] > s:
            return True
        k = bisect.bisect_right(self.points, s)
        return k < len(self.points) and self.points[k] < e

    def add(self, s: int, e: int) -> None:
        import bisect

        if e <= s:
            bisect.insort(self.points, s)
            return
        i = bisect.bisect_left(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e)


MAX_PASSES = 10


@dataclass
class FileFix:
    """What fixing one file did. ``fixed`` equals ``original`` when nothing was applied."""

    path: Path
    display: str
    original: str
    fixed: str
    applied: list[tuple[str, str]] = field(default_factory=list)  # (code, fix title)
    error: str | None = None
    written: bool = False
    rejected: list[str] = field(default_factory=list)  # fixes dropped as faulty
    new_files: dict[str, str] = field(default_factory=dict)  # created (or to create)
    resolved: int = 0  # findings reported before fixing that the fixes made go away

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def diff(self) -> str:
        out = "".join(difflib.unified_diff(
            self.original.splitlines(keepends=True), self.fixed.splitlines(keepends=True),
            fromfile=f"a/{self.display}", tofile=f"b/{self.display}",
        ))
        for path, text in self.new_files.items():
            out += "".join(difflib.unified_diff(
                [], text.splitlines(keepends=True), fromfile="/dev/null",
                tofile=f"b/{os.path.relpath(path, self.path.parent)}"))
        return out


def _comment_lines(text: str) -> Counter[str]:
    return Counter(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


_STEP_KEYS = frozenset({
    "task", "script", "bash", "pwsh", "powershell", "checkout", "download", "downloadBuild",
    "getPackage", "publish", "upload", "reviewApp", "template",
})  # ``template`` counts job and stage references too: the same before and after a fix


def _identity(finding: Finding) -> tuple[str, str]:
    """A finding's identity across passes, whose edits move lines: code and message with
    the numbers taken out."""
    return finding.code, re.sub(r"\d+", "#", finding.message)


def count_steps(root: object) -> int:
    """Step items written in a document: every mapping item of a list that has a step key
    (``task``, ``script``, ...), wherever the list is: under ``steps:``, inside
    ``${{ if }}``/``${{ each }}`` entries, or passed as a parameter (``extends: parameters:
    buildSteps:``). Templates are not expanded: this counts the text of this one file."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    total, stack, seen = 0, [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend(v for _, v in node.value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                if isinstance(item, MappingNode) and any(
                        str(k.value) in _STEP_KEYS for k, _ in item.value):
                    total += 1
                stack.append(item)
    return total


def _attempt(doc: Document, fixes: list[Fix], comments: Counter[str]
             ) -> tuple[str, Document | None, str]:
    """Apply ``fixes`` to ``doc``; the new document, or None and why the result is refused:
    it does not parse, is no longer a pipeline, lost a comment line, or has not exactly
    the steps the fixes say they add (two steps merged into one still parses)."""
    text = apply_edits(doc.text, [e for fix in fixes for e in fix.edits])
    try:
        new = parse_text(doc.path, doc.display, text, encoding=doc.encoding, bom=doc.bom)
    except DocumentError as exc:
        return text, None, f"the result would not parse ({exc.message}, line {exc.line})"
    if why_not_pipeline(new.root) is not None:
        return text, None, "the result would no longer be a pipeline"
    if _comment_lines(text) < comments:
        return text, None, "the result would lose a comment"
    expected = count_steps(doc.root) + sum(fix.steps_added for fix in fixes)
    if count_steps(new.root) != expected:
        return text, None, f"the result would have {count_steps(new.root)} steps, not {expected}"
    return text, new, ""


def create_file(path: str, text: str) -> bool:
    """Create ``path`` with ``text`` unless it exists (a shared template written by the
    first fix that needs it). True when this call created it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except FileExistsError:
        return False
    return True


def fix_document(engine: Engine, doc: Document, root: Path, *, unsafe: bool = False,
                 create_files: bool = False) -> FileFix:
    """Apply fixes to one document until none is left: each pass applies every
    non-overlapping fix, re-parses and re-lints; at most ``MAX_PASSES`` passes. When a
    pass's result is refused (see ``_attempt``), its fixes are tried one by one and the
    faulty ones are dropped and reported; the others still apply."""
    outcome = FileFix(doc.path, doc.display, doc.text, doc.text)
    comments = _comment_lines(doc.text)
    rejected: set[tuple[str, int, str]] = set()
    reported: Counter[tuple[str, str]] | None = None
    for _ in range(MAX_PASSES):
        findings = engine.check_document(doc, root)
        fixable = [f for f in findings if f.fix is not None and f.path == doc.display
                   and (unsafe or f.fix.applicability == "safe") and f.fix.edits
                   and (f.code, f.line, f.fix.title) not in rejected]
        if reported is None:
            reported = Counter(_identity(f) for f in fixable)
        if not fixable:
            left = Counter(_identity(f) for f in findings)
            outcome.resolved = sum(max(0, n - left[k]) for k, n in reported.items())
            return outcome
        owner = {id(f.fix): f for f in fixable}
        chosen = select_fixes(f.fix for f in fixable if f.fix is not None)
        text, new, why = _attempt(doc, chosen, comments)
        if new is None:
            good = []
            for fix in chosen:
                if _attempt(doc, [fix], comments)[1] is None:
                    f = owner[id(fix)]
                    rejected.add((f.code, f.line, fix.title))
                    outcome.rejected.append(f"{f.code} at line {f.line}: {why}; fix not applied "
                                            "(please report this)")
                else:
                    good.append(fix)
            if not good:
                continue
            chosen = good
            text, new, why = _attempt(doc, chosen, comments)
            if new is None:
                outcome.error = f"fixes not applied: {why} (please report this)"
                return outcome
        if text == doc.text:
            return outcome
        outcome.applied.extend((owner[id(fix)].code, fix.title) for fix in chosen)
        for fix in chosen:
            for path, content in fix.files:
                if path not in outcome.new_files and not os.path.exists(path):
                    outcome.new_files[path] = content
                    if create_files:  # written now, so the next pass resolves it
                        create_file(path, content)
        outcome.fixed = text
        doc = new
    outcome.error = f"fixes did not settle after {MAX_PASSES} passes (please report this)"
    return outcome


def encode_like(text: str, original: bytes) -> bytes:
    """``text`` in the encoding and with the byte-order mark of ``original``."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if original.startswith(bom):
            return bom + text.encode(codec)
    return text.encode("utf-8")


def write_atomic(path: Path, text: str, original: bytes) -> None:
    """Replace ``path`` with ``text``: a temporary file in the same directory renamed over
    the original, keeping its mode and encoding. Refuses when the file changed on disk since
    ``original`` was read."""
    if path.read_bytes() != original:
        raise OSError(f"{path.name} changed on disk since it was read; not written")
    if not os.stat(path).st_mode & stat.S_IWUSR:
        # the rename would replace it anyway (it needs only a writable directory): respect
        # the mode bits, which os.access ignores for root
        raise OSError(f"{path.name} is read-only; not written")
    data = encode_like(text, original)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".layerlint", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def fix_paths(engine: Engine, paths: Sequence[str], *, unsafe: bool = False,
              write: bool = True) -> list[FileFix]:
    """Fix every pipeline file under ``paths``; write the changed ones when ``write``.
    Files with LL001 are never written."""
    with relaxed_gc():
        return _fix_paths(engine, paths, unsafe, write)


def _fix_paths(engine: Engine, paths: Sequence[str], unsafe: bool, write: bool
               ) -> list[FileFix]:
    outcomes: list[FileFix] = []
    for path, root, _ in iter_files(paths, engine.cwd, engine.skip_dirs):
        if engine.paths is not None and engine.paths.excluded(path):
            continue  # what `check` does not lint, `--fix` does not write
        doc = engine.document(path)
        if isinstance(doc, DocumentError) or why_not_pipeline(doc.root) is not None:
            continue
        try:
            original = doc.path.read_bytes()
        except OSError:
            continue
        try:
            outcome = fix_document(engine, doc, root, unsafe=unsafe, create_files=write)
        except Exception as exc:  # a bug in a fix must not stop the other files
            outcome = FileFix(doc.path, doc.display, doc.text, doc.text,
                              error=f"internal error while fixing: {exc!r} (please report this)")
        if outcome.changed and write:
            try:
                write_atomic(doc.path, outcome.fixed, original)
                outcome.written = True
            except OSError as exc:
                outcome.error = f"not written: {exc.strerror or exc}"
        if outcome.changed or outcome.error or outcome.rejected:
            outcomes.append(outcome)
    return outcomes
