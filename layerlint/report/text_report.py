"""``path:line:col: CODE message`` per finding (`` [*]`` when a fix exists), then a summary."""

from __future__ import annotations

from collections import Counter

from layerlint.engine import Result


def render(result: Result, *, summary: bool = True, fixes: bool = False) -> str:
    """``fixes``: under each finding, the fix it has (title and applicability) or why it
    has none (``--show-fixes``, ``--verbose``)."""
    lines = []
    for f in result.findings:
        mark = " [*]" if f.fix is not None else ""
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.code}{mark} {f.message}")
        if fixes and f.fix is not None:
            lines.append(f"    fix ({f.fix.applicability}): {f.fix.title}")
        elif fixes and f.no_fix:
            lines.append(f"    no fix: {f.no_fix}")
    if summary:
        lines.append(summary_line(result))
    return "\n".join(lines) + "\n" if lines else ""


def summary_line(result: Result) -> str:
    linted = sum(1 for f in result.files if f.status != "skipped")
    files = f"{linted} file{'s' if linted != 1 else ''}"
    n = len(result.findings)
    if not n:
        return f"All checks passed ({files} checked)."
    by_severity = Counter(f.severity for f in result.findings)
    parts = ", ".join(f"{by_severity[s]} {s}" for s in ("error", "warning", "info")
                      if by_severity[s])
    fixable = sum(1 for f in result.findings if f.fix is not None)
    fix_note = f"; {fixable} fixable" if fixable else ""
    return f"Found {n} finding{'s' if n != 1 else ''} ({parts}{fix_note}) in {files} checked."


def statistics(result: Result) -> str:
    from layerlint.rules import meta

    counts = Counter(f.code for f in result.findings)
    width = max((len(str(c)) for c in counts.values()), default=1)
    return "".join(
        f"{count:>{width}}  {code}  {meta(code).name}\n"
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
