"""``--csv``: a row per repository (worst first), a column per rule of the catalogue."""

from __future__ import annotations

import csv
import io

from layerlint.audit.model import Audit

FIELDS = ("repository", "source", "pipeline_files", "builds", "cached_builds",
          "uncached_builds", "findings")


def render(audit: Audit) -> str:
    from layerlint.rules import RULES

    codes = sorted(set(RULES) | set(audit.totals.by_rule))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*FIELDS, *codes, "error"])
    for r in audit.worst_first():
        by_rule = r.by_rule
        writer.writerow([r.name, r.source, r.pipeline_files, len(r.builds), r.cached_builds,
                         r.uncached_builds, len(r.findings), *(by_rule[c] for c in codes),
                         r.error or ""])
    return out.getvalue()
