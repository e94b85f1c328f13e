"""The reports: a golden terminal summary and Markdown for a small fixed set, CSV, and an
HTML page that parses and shows exactly the JSON's numbers."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from audit_helpers import CACHED, UNCACHED, audit, load, write_repo

from layerlint.audit import report_csv, report_html, report_markdown, report_summary
from layerlint.audit.model import Audit, RepoReport, render_json


def _finding(code: str, name: str, path: str, line: int, severity: str = "error") -> dict[
        str, Any]:
    return {"code": code, "name": name, "severity": severity, "path": path, "line": line,
            "column": 3, "end_line": line, "end_column": 9, "message": f"{name} here",
            "fix": None}


def _build(path: str, line: int, cached: bool) -> dict[str, Any]:
    return {"path": path, "line": line, "column": 3, "kind": "docker-build",
            "command": "docker build .", "cached": cached, "cache": ["local"] if cached else []}


def fixed_audit() -> Audit:
    linted = [{"path": "azure-pipelines.yml", "status": "linted"}]
    return Audit([
        RepoReport("payments-api", "https://dev.azure.com/contoso/Pay/_git/payments-api",
                   [*linted, {"path": "templates/build.yml", "status": "linted"}],
                   [_finding("LL101", "uncached-docker-build", "templates/build.yml", 4),
                    _finding("LL101", "uncached-docker-build", "templates/build.yml", 9),
                    _finding("LL202", "cache-path-mismatch", "azure-pipelines.yml", 12)],
                   [_build("templates/build.yml", 4, False), _build("templates/build.yml", 9,
                                                                    False),
                    _build("azure-pipelines.yml", 14, True)]),
        RepoReport("web", "/src/web", linted, [], [_build("azure-pipelines.yml", 5, True)]),
        RepoReport("docs", "/src/docs", [{"path": "mkdocs.yml", "status": "skipped"}]),
        RepoReport("a-repository-with-a-name-much-too-long-for-the-table",
                   "/src/long", linted,
                   [_finding("LL103", "uncached-compose-build", "azure-pipelines.yml", 3,
                             "warning")],
                   [_build("azure-pipelines.yml", 3, False)]),
        RepoReport("legacy", "git@example.com:legacy.git", error="git clone failed: fatal: "
                   "Could not read from remote repository."),
    ], "0.1.0")


GOLDEN_SUMMARY = """\
layerlint audit: 5 repositories, 4 pipeline files, 5 image builds (2 cached, 40%), 4 findings,
  1 failed

repository                        files  builds  cached  uncached  findings  rules
----------------------------------------------------------------------------------------------------
legacy                                0       0       0         0         0  FAILED
payments-api                          2       3       1         2         3  LL101:2 LL202:1
a-repository-with-a-name-much...      1       1       0         1         1  LL103:1
docs                                  0       0       0         0         0
web                                   1       1       1         0         0
total                                 4       5       2         3         4

rule   name                            findings  repositories
LL101  uncached-docker-build                  2             1
LL103  uncached-compose-build                 1             1
LL202  cache-path-mismatch                    1             1

failed (1):
  legacy: git clone failed: fatal: Could not read from remote repository.
"""


def test_golden_summary() -> None:
    text = report_summary.render(fixed_audit())
    assert text == GOLDEN_SUMMARY
    assert max(len(line) for line in text.splitlines()) <= 100
    top2 = report_summary.render(fixed_audit(), top=2)
    assert "... and 3 more repositories" in top2 and "web " not in top2


def test_summary_fits_100_columns() -> None:
    repos = [RepoReport("x" * 150, f"/s/{i}", [{"path": "a.yml", "status": "linted"}],
                        [_finding(f"LL10{i % 3 + 1}", "n" * 60, "a.yml", n + 1)
                         for n in range(i * 300)], [_build("a.yml", 1, False)] * 99999)
             for i in range(4)]
    for line in report_summary.render(Audit(repos, "0.1.0"), top=0).splitlines()[1:]:
        assert len(line) <= 100, line


GOLDEN_MARKDOWN = """\
# layerlint audit

5 repositories, 4 pipeline files, 5 image builds (2 cached, 40%), 4 findings, 1 failed.

| repository | pipeline files | image builds | cached | uncached | findings | top rules |
|---|---:|---:|---:|---:|---:|---|
| legacy | 0 | 0 | 0 | 0 | 0 | **failed** |
| payments-api | 2 | 3 | 1 | 2 | 3 | LL101:2 LL202:1 |
| a-repository-with-a-name-much-too-long-for-the-table | 1 | 1 | 0 | 1 | 1 | LL103:1 |
| docs | 0 | 0 | 0 | 0 | 0 | - |
| web | 1 | 1 | 1 | 0 | 0 | - |
| **total** | 4 | 5 | 2 | 3 | 4 | |

Cached: 40% of image builds.

## Findings per rule

| rule | name | findings |
|---|---|---:|
| LL101 | uncached-docker-build | 2 |
| LL103 | uncached-compose-build | 1 |
| LL202 | cache-path-mismatch | 1 |

`layerlint explain CODE` says what each rule checks and how to fix it.

## Failed

- **legacy**: git clone failed: fatal: Could not read from remote repository.
"""


def test_golden_markdown() -> None:
    assert report_markdown.render(fixed_audit()) == GOLDEN_MARKDOWN


def test_csv_row_per_repository() -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv.render(fixed_audit()))))
    assert [r["repository"] for r in rows] == [
        "legacy", "payments-api", "a-repository-with-a-name-much-too-long-for-the-table",
        "docs", "web"]
    pay = rows[1]
    assert (pay["pipeline_files"], pay["builds"], pay["cached_builds"], pay["uncached_builds"],
            pay["findings"], pay["LL101"], pay["LL202"], pay["LL203"], pay["error"]) == (
        "2", "3", "1", "2", "3", "2", "1", "0", "")
    assert rows[0]["error"].startswith("git clone failed")


def test_json_round_trip() -> None:
    data = json.loads(render_json(fixed_audit()))
    assert data["totals"] == {"repositories": 5, "files": 4, "builds": 5, "cached_builds": 2,
                              "findings": 4, "by_rule": {"LL101": 2, "LL103": 1, "LL202": 1}}
    assert Audit.from_json(data).to_json() == data


class _Page(HTMLParser):
    """The numbers a reader sees, with the JSON value each one claims to show."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.repo: str | None = None
        self.cells: dict[tuple[str, str], str] = {}
        self.kpis: dict[str, str] = {}
        self.bars: list[dict[str, str | None]] = []
        self.donut: dict[str, str | None] = {}
        self.text: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.stack.append((tag, a))
        if tag == "table" and a.get("id") == "repositories":
            self.tables += 1
        if tag == "tr" and "data-repo" in a:
            self.repo = a["data-repo"]
        if tag == "g" and a.get("class") == "bar":
            self.bars.append(a)
        if tag == "svg" and a.get("class") == "donut":
            self.donut = a

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for tag, a in reversed(self.stack):
            if tag == "td" and a.get("data-field") and self.repo is not None:
                self.cells[(self.repo, str(a["data-field"]))] = data.strip()
                return
            if tag == "div" and a.get("data-total") and self.stack[-1][1].get(
                    "class") == "value":
                self.kpis[str(a["data-total"])] = data.strip()
                return


def _check_html(html: str, data: dict[str, Any]) -> None:
    page = _Page()
    page.feed(html)
    page.close()
    totals = data["totals"]
    assert page.tables == 1
    expected_kpis = {k: str(totals[k]) for k in ("repositories", "files", "builds",
                                                 "cached_builds", "findings")}
    expected_kpis["uncached_builds"] = str(totals["builds"] - totals["cached_builds"])
    failed = sum(1 for r in data["repositories"] if r["error"] is not None)
    if failed:
        expected_kpis["failed"] = str(failed)
    assert page.kpis == expected_kpis
    assert page.donut["data-cached"] == str(totals["cached_builds"])
    assert page.donut["data-builds"] == str(totals["builds"])
    for repo in data["repositories"]:
        cached = sum(1 for b in repo["builds"] if b["cached"])
        files = sum(1 for f in repo["files"] if f["status"] != "skipped")
        want = {"files": files, "builds": len(repo["builds"]), "cached_builds": cached,
                "uncached_builds": len(repo["builds"]) - cached,
                "findings": len(repo["findings"])}
        assert {k: page.cells[(repo["name"], k)] for k in want} == {
            k: str(v) for k, v in want.items()}
    build_bars = {b["data-label"]: (b["data-cached"], b["data-uncached"]) for b in page.bars
                  if b["data-kind"] == "builds"}
    assert build_bars == {
        r["name"]: (str(sum(b["cached"] for b in r["builds"])),
                    str(sum(not b["cached"] for b in r["builds"])))
        for r in data["repositories"] if r["builds"]}
    rule_bars = {str(b["data-label"]).split()[0]: b["data-findings"] for b in page.bars
                 if b["data-kind"] == "rule"}
    assert rule_bars == {k: str(v) for k, v in totals["by_rule"].items()}
    assert "<script" not in html.lower() and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "")


def test_html_matches_the_json() -> None:
    audit_ = fixed_audit()
    _check_html(report_html.render(audit_, generated="2024-05-01"), audit_.to_json())


def test_html_of_a_real_run_matches_its_json(tmp_path: Path) -> None:
    a = write_repo(tmp_path / "a", {"azure-pipelines.yml": UNCACHED, "b.yml": CACHED})
    hostile = write_repo(tmp_path / "<img src=x onerror=alert(1)>", {"c.yml": UNCACHED})
    out, page = tmp_path / "out.json", tmp_path / "report.html"
    audit(a, hostile, "--json", out, "--html", page, "--cache-dir", tmp_path / "c", "-q")
    html = page.read_text(encoding="utf-8")
    _check_html(html, load(out))
    assert "<img src=x" not in html and "&lt;img src=x" in html


def wide_audit() -> Audit:
    """Labels that need room: many builds of both kinds, long names, long rule names."""
    builds = [_build("azure-pipelines.yml", i, i < 113) for i in range(1170)]
    findings = [_finding("LL204", "cache-never-exported", "azure-pipelines.yml", i)
                for i in range(1234)]
    return Audit([
        RepoReport("a-repository-with-a-name-much-too-long-for-the-chart-WWWW", "/src/w",
                   [{"path": "azure-pipelines.yml", "status": "linted"}], findings, builds),
        RepoReport("mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm", "/src/m",
                   [{"path": "azure-pipelines.yml", "status": "linted"}], [],
                   [_build("azure-pipelines.yml", i, True) for i in range(1000, 1005)]),
    ], "0.1.0")


def test_chart_labels_fit_their_drawing() -> None:
    import re

    from layerlint.audit import svg

    html = report_html.render(wide_audit(), generated="2024-05-01")
    assert "113 cached, 1057 uncached" in html and "5 cached" in html
    charts = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    assert len(charts) == 2
    for chart in charts:
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', chart).group(1))  # type: ignore[union-attr]
        for x, anchor, text in re.findall(
                r'<text (?:class="value" )?x="([\d.]+)" y="[\d.]+"(?: text-anchor="(\w+)")?'
                r'[^>]*>([^<]*)</text>', chart):
            extent = svg.text_width(text.replace("&amp;", "&"))
            left = float(x) - (extent if anchor == "end" else 0)
            assert left >= 0 and left + extent <= width, (text, left, extent, width)
