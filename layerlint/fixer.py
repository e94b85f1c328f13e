"""Apply fixes: text edits at offsets of the original text, never a re-dump of the tree.

The only module that writes user files (``write_atomic``). ``apply_edits`` is the pure core:
it applies non-overlapping edits in one pass (an edit overlapping one already taken is
skipped, like ruff's applier), copying the untouched text through.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from layerlint.finding import Edit, Fix


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
    together or not at all)."""
    chosen: list[Fix] = []
    taken: list[tuple[int, int]] = []
    for fix in sorted(fixes, key=lambda f: min((e.start for e in f.edits), default=0)):
        spans = [(e.start, e.end) for e in fix.edits]
        if any((s < te and ts < e) or (s == e == ts) for s, e in spans for ts, te in taken):
            continue
        chosen.append(fix)
        taken.extend(spans)
    return chosen
