"""``--markdown``: the summary for a wiki page or a pull request (GitHub and Azure DevOps
flavoured Markdown tables), every repository, worst first."""

from __future__ import annotations

from layerlint.audit.model import Audit
from layerlint.audit.report_summary import headline, percent, rule_names, top_rules


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(audit: Audit) -> str:
    t = audit.totals
    lines = ["# layerlint audit", "", f"{headline(audit)}.", "",
             "| repository | pipeline files | image builds | cached | uncached | findings "
             "| top rules |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in audit.worst_first():
        rules = "**failed**" if r.error is not None else _cell(top_rules(r)) or "-"
        lines.append(f"| {_cell(r.name)} | {r.pipeline_files} | {len(r.builds)} | "
                     f"{r.cached_builds} | {r.uncached_builds} | {len(r.findings)} | {rules} |")
    lines.append(f"| **total** | {t.files} | {t.builds} | {t.cached_builds} | "
                 f"{t.builds - t.cached_builds} | {t.findings} | |")
    lines += ["", f"Cached: {percent(t.cached_builds, t.builds)} of image builds."]
    if t.by_rule:
        names = rule_names(audit)
        lines += ["", "## Findings per rule", "", "| rule | name | findings |", "|---|---|---:|"]
        for code, n in sorted(t.by_rule.items(), key=lambda c: (-c[1], c[0])):
            lines.append(f"| {code} | {_cell(names.get(code, ''))} | {n} |")
        lines += ["", "`layerlint explain CODE` says what each rule checks and how to fix it."]
    failed = [r for r in audit.worst_first() if r.error is not None]
    if failed:
        lines += ["", "## Failed", ""]
        lines += [f"- **{_cell(r.name)}**: {_cell(r.error or '')}" for r in failed]
    return "\n".join(lines) + "\n"
