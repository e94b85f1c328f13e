"""``--html``: one self-contained page (inline CSS and SVG, no script, no external asset)
that a manager can open from an e-mail: the share of cached builds, cached vs uncached
builds per repository, findings per rule, every repository, and every finding.

Every number is written as text, and the numeric cells and chart bars carry ``data-*``
attributes naming the JSON value they show, so tests can hold the page to the JSON."""

from __future__ import annotations

from html import escape

from layerlint.audit import svg
from layerlint.audit.model import Audit, RepoReport
from layerlint.audit.report_summary import percent, rule_names

CHART_ROWS = 30

STYLE = """
:root{--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f5f6f8;--card:#fff;
--ok:#2f9e6a;--bad:#e0523f;--accent:#5868d8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 -apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:#111827;color:#fff;padding:28px 40px 24px}
header h1{margin:0;font-size:26px;font-weight:650;letter-spacing:-.01em}
header p{margin:4px 0 0;color:#cbd5e1}
main{max-width:1120px;margin:0 auto;padding:24px 24px 48px}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;
padding:20px 24px;margin:0 0 20px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h2{font-size:18px;margin:0 0 4px}
p.note{color:var(--muted);margin:4px 0 12px;font-size:13px}
.overview{display:flex;gap:28px;align-items:center;flex-wrap:wrap}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(112px,1fr));gap:12px;flex:1}
.kpi{border:1px solid var(--line);border-radius:10px;padding:10px 14px}
.kpi .value{display:block;font-size:26px;font-weight:700;font-variant-numeric:tabular-nums}
.kpi .label{color:var(--muted);font-size:13px}
.kpi.bad .value{color:var(--bad)} .kpi.good .value{color:var(--ok)}
.legend{font-size:13px;color:var(--muted);margin:0 0 8px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:3px;margin:0 5px 0 12px;
vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);
font-weight:600;background:#fafafa;position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{background:#fff5f4}
.meter{display:inline-block;width:80px;height:8px;border-radius:4px;background:var(--bad);
overflow:hidden;vertical-align:middle;margin-right:8px}
.meter span{display:block;height:100%;background:var(--ok)}
.meter.none{background:var(--line)}
td.cover{white-space:nowrap}
.err{color:var(--bad);font-size:13px}
a{color:var(--accent);text-decoration:none} a:hover{text-decoration:underline}
details{border-bottom:1px solid var(--line);padding:8px 0}
summary{cursor:pointer;font-weight:600}
summary .count{color:var(--muted);font-weight:400;margin-left:6px}
table.findings{margin:8px 0 4px;font-size:13px}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;
padding:1px 5px;border-radius:4px}
.sev-error{color:var(--bad)} .sev-warning{color:#b7791f} .sev-info{color:var(--muted)}
footer{color:var(--muted);font-size:13px;text-align:center;padding:8px}
@media print{body{background:#fff}section{box-shadow:none;break-inside:avoid}}
"""


def _kpi(key: str, label: str, value: int, tone: str = "") -> str:
    return (f'<div class="kpi {tone}" data-total="{key}"><span class="value">{value}</span>'
            f'<span class="label">{label}</span></div>')


def _name(repo: RepoReport) -> str:
    name = escape(repo.name)
    if repo.source.startswith(("https://", "http://")):
        return f'<a href="{escape(repo.source)}">{name}</a>'
    return f'<span title="{escape(repo.source)}">{name}</span>'


def _overview(audit: Audit) -> str:
    t = audit.totals
    uncached = t.builds - t.cached_builds
    cards = [_kpi("repositories", "repositories", t.repositories),
             _kpi("files", "pipeline files", t.files),
             _kpi("builds", "image builds", t.builds),
             _kpi("cached_builds", "cached builds", t.cached_builds, "good"),
             _kpi("uncached_builds", "uncached builds", uncached, "bad" if uncached else ""),
             _kpi("findings", "findings", t.findings, "bad" if t.findings else "good")]
    if t.failed:
        cards.append(_kpi("failed", "failed to audit", t.failed, "bad"))
    return (f'<section class="overview">{svg.donut(t.cached_builds, t.builds)}'
            f'<div class="kpis">{"".join(cards)}</div></section>')


def _build_chart(audit: Audit) -> str:
    with_builds = sorted((r for r in audit.repositories if r.builds),
                         key=lambda r: (-r.uncached_builds, -len(r.builds), r.name, r.source))
    rows = [svg.Row(r.name, (r.cached_builds, r.uncached_builds), r.source)
            for r in with_builds[:CHART_ROWS]]
    more = len(with_builds) - len(rows)
    note = (f"The {len(rows)} repositories with the most uncached builds; {more} more are in "
            "the table below." if more else
            "Every repository with at least one image build, most uncached first.")
    return ('<section><h2>Cached vs uncached image builds per repository</h2>'
            f'<p class="note">{note}</p><p class="legend">'
            f'<span class="swatch" style="background:{svg.CACHED}"></span>cached'
            f'<span class="swatch" style="background:{svg.UNCACHED}"></span>uncached</p>'
            + svg.stacked_bars(rows, (svg.CACHED, svg.UNCACHED), "builds",
                               ("cached", "uncached")) + "</section>")


def _rule_chart(audit: Audit) -> str:
    names = rule_names(audit)
    by_rule = sorted(audit.totals.by_rule.items(), key=lambda c: (-c[1], c[0]))
    rows = [svg.Row(f"{code} {names.get(code, '')}", (n,)) for code, n in by_rule]
    return ('<section><h2>Findings per rule</h2><p class="note">'
            "<code>layerlint explain CODE</code> says what a rule checks and how to fix it."
            "</p>" + svg.stacked_bars(rows, (svg.RULE,), "rule", ("findings",), label_chars=34)
            + "</section>")


def _table(audit: Audit) -> str:
    head = ("<tr><th>repository</th><th class=num>pipeline files</th>"
            "<th class=num>image builds</th><th class=num>cached</th><th class=num>uncached"
            "</th><th>cache coverage</th><th class=num>findings</th><th>status</th></tr>")
    rows = []
    for r in audit.worst_first():
        share = r.cached_builds / len(r.builds) if r.builds else 0.0
        meter = (f'<span class="meter"><span style="width:{100 * share:.0f}%"></span></span>'
                 f"{percent(r.cached_builds, len(r.builds))}" if r.builds
                 else '<span class="meter none"></span>-')
        status = (f'<span class="err">{escape(r.error)}</span>' if r.error is not None
                  else "ok")
        cells = [("files", r.pipeline_files), ("builds", len(r.builds)),
                 ("cached_builds", r.cached_builds), ("uncached_builds", r.uncached_builds)]
        nums = "".join(f'<td class="num" data-field="{k}">{v}</td>' for k, v in cells)
        rows.append(f'<tr class="{"failed" if r.error else "repo"}" '
                    f'data-repo="{escape(r.name)}" data-source="{escape(r.source)}">'
                    f'<td>{_name(r)}</td>{nums}<td class="cover">{meter}</td>'
                    f'<td class="num" data-field="findings">{len(r.findings)}</td>'
                    f"<td>{status}</td></tr>")
    return ('<section><h2>Repositories</h2><p class="note">Worst first: failures, then the '
            'most findings, then the most uncached builds.</p>'
            f'<table id="repositories"><thead>{head}</thead><tbody>{"".join(rows)}</tbody>'
            "</table></section>")


def _findings(audit: Audit) -> str:
    blocks = []
    for r in audit.worst_first():
        if not r.findings:
            continue
        rows = "".join(
            f'<tr><td><code>{escape(f["path"])}:{f["line"]}:{f["column"]}</code></td>'
            f'<td class="sev-{escape(f["severity"])}"><code>{escape(f["code"])}</code></td>'
            f'<td>{escape(f["message"])}</td></tr>' for f in r.findings)
        blocks.append(f"<details><summary>{escape(r.name)}<span class=count>"
                      f"{len(r.findings)} findings</span></summary>"
                      f'<table class="findings">{rows}</table></details>')
    if not blocks:
        return ""
    return ('<section><h2>Findings by repository</h2><p class="note">Click a repository to '
            "see where each finding is.</p>" + "".join(blocks) + "</section>")


def render(audit: Audit, generated: str = "") -> str:
    t = audit.totals
    when = f" on {escape(generated)}" if generated else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>layerlint audit: {t.repositories} repositories</title>"
        f"<style>{STYLE}</style></head><body>"
        "<header><h1>Docker layer cache audit</h1>"
        f"<p>{t.repositories} repositories, {t.builds} image builds in {t.files} pipeline "
        f"files. Generated by layerlint {escape(audit.version)}{when}.</p></header><main>"
        + _overview(audit) + _build_chart(audit) + _rule_chart(audit) + _table(audit)
        + _findings(audit) +
        "</main><footer>A build is cached when it imports a layer cache that a Cache@2 step "
        "restores before it runs. Report by layerlint.</footer></body></html>\n"
    )
