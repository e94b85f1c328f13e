"""The terminal summary: a headline, a table of repositories (worst first) that fits 100
columns, findings per rule, and the failures with their reasons. Plain ASCII."""

from __future__ import annotations

import textwrap
from collections import Counter

from layerlint.audit.model import Audit, RepoReport

WIDTH = 100
NAME = 32


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def headline_parts(audit: Audit) -> list[str]:
    t = audit.totals
    parts = [counted(t.repositories, "repository", "repositories"),
             counted(t.files, "pipeline file", "pipeline files"),
             f"{counted(t.builds, 'image build', 'image builds')} ({t.cached_builds} cached, "
             f"{percent(t.cached_builds, t.builds)})",
             counted(t.findings, "finding", "findings")]
    return parts + ([f"{t.failed} failed"] if t.failed else [])


def headline(audit: Audit) -> str:
    return ", ".join(headline_parts(audit))


def _pack(parts: list[str], first: str) -> list[str]:
    """``parts`` joined by commas on lines of at most WIDTH columns."""
    lines = [first]
    for i, part in enumerate(parts):
        piece = part + ("," if i < len(parts) - 1 else "")
        if len(lines[-1]) + 1 + len(piece) > WIDTH:
            lines.append("  " + piece)
        else:
            lines[-1] += " " + piece
    return lines


def rule_names(audit: Audit) -> dict[str, str]:
    return {f["code"]: f["name"] for r in audit.repositories for f in r.findings}


def top_rules(repo: RepoReport, limit: int = 3) -> str:
    counts = repo.by_rule.most_common()
    parts = [f"{code}:{n}" for code, n in sorted(counts, key=lambda c: (-c[1], c[0]))]
    text = " ".join(parts[:limit])
    return text + (" ..." if len(parts) > limit else "")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def render(audit: Audit, top: int = 20) -> str:
    t = audit.totals
    lines = [*_pack(headline_parts(audit), "layerlint audit:"), ""]
    header = (f"{'repository':<{NAME}} {'files':>6} {'builds':>7} {'cached':>7} "
              f"{'uncached':>9} {'findings':>9}  rules")
    lines += [header, "-" * min(WIDTH, len(header) + 22)]
    repos = audit.worst_first()
    shown = repos if top <= 0 else repos[:top]
    rules_width = WIDTH - len(header) + len("rules")
    for r in shown:
        rules = "FAILED" if r.error is not None else top_rules(r)
        lines.append(f"{_cut(r.name, NAME):<{NAME}} {r.pipeline_files:>6} {len(r.builds):>7} "
                     f"{r.cached_builds:>7} {r.uncached_builds:>9} {len(r.findings):>9}  "
                     f"{_cut(rules, rules_width)}".rstrip())
    if len(shown) < len(repos):
        lines.append(f"... and {len(repos) - len(shown)} more repositories (see the JSON, CSV "
                     "or HTML report)")
    lines.append(f"{'total':<{NAME}} {t.files:>6} {t.builds:>7} {t.cached_builds:>7} "
                 f"{t.builds - t.cached_builds:>9} {t.findings:>9}")
    if t.by_rule:
        names = rule_names(audit)
        spread: Counter[str] = Counter()
        for r in audit.repositories:
            spread.update(r.by_rule.keys())
        lines += ["", f"{'rule':<6} {'name':<30} {'findings':>9} {'repositories':>13}"]
        for code, n in sorted(t.by_rule.items(), key=lambda c: (-c[1], c[0])):
            lines.append(f"{code:<6} {_cut(names.get(code, ''), 30):<30} {n:>9} "
                         f"{spread[code]:>13}")
    failed = [r for r in repos if r.error is not None]
    if failed:
        lines += ["", f"failed ({len(failed)}):"]
        for r in failed:
            lines += textwrap.wrap(f"{r.name}: {r.error}", WIDTH, initial_indent="  ",
                                   subsequent_indent="    ", break_long_words=False)
    return "\n".join(lines) + "\n"
