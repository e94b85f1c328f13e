"""The HTML report in a real browser (headless Chromium, when installed), and the shipped
organisation-audit pipeline: it passes layerlint's own check and fans out as documented."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from audit_helpers import CACHED, UNCACHED, audit, load, write_repo

from layerlint.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "integrations" / "azure-pipelines" / "audit-org.yml"
CHROMIUM = "/usr/bin/chromium"


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False)


# Appended to a copy of the page (the report itself has no script): the rendered box of every
# text of the charts, against the drawing's viewBox, written where --dump-dom shows it.
MEASURE = """<script>
const out = [];
for (const chart of document.querySelectorAll("svg.chart")) {
  const box = chart.viewBox.baseVal;
  for (const text of chart.querySelectorAll("text")) {
    const b = text.getBBox();
    if (b.width <= 0 || b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5)
      out.push(`${text.textContent}: ${b.x.toFixed(1)}+${b.width.toFixed(1)} in ${box.width}`);
  }
}
document.body.setAttribute("data-measured", String(document.querySelectorAll(
  "svg.chart text").length));
document.body.setAttribute("data-overflow", JSON.stringify(out));
</script>"""


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_chart_labels_fit_in_chromium(tmp_path: Path) -> None:
    from test_audit_reports import wide_audit

    from layerlint.audit import report_html

    page = tmp_path / "wide.html"
    html = report_html.render(wide_audit(), generated="2024-05-01")
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr
    measured = re.search(r'data-measured="(\d+)"', dom.stdout)
    overflow = re.search(r'data-overflow="([^"]*)"', dom.stdout)
    assert measured is not None and overflow is not None, dom.stdout[-2000:]
    assert int(measured.group(1)) == 2 * 3  # a label and a value per bar, 2 + 1 bars
    assert json.loads(overflow.group(1).replace("&quot;", '"')) == []


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_html_report_renders_in_chromium(tmp_path: Path) -> None:
    repos = [write_repo(tmp_path / f"svc-{i}", {"azure-pipelines.yml": (UNCACHED, CACHED)[i % 2]})
             for i in range(3)]
    page = tmp_path / "report.html"
    assert audit(*repos, "--html", page, "--json", tmp_path / "out.json", "--cache-dir",
                 tmp_path / "cache", "-q").code == 1
    dom = _chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr
    html = dom.stdout
    assert html.count('<svg class="chart"') == 2 and 'class="donut"' in html
    assert len(re.findall(r'<g class="bar" data-kind="builds"', html)) == 3
    assert '<table id="repositories">' in html
    assert len(re.findall(r'<tr class="repo" data-repo="svc-\d"', html)) == 3
    totals = load(tmp_path / "out.json")["totals"]
    assert f'data-total="builds"><span class="value">{totals["builds"]}</span>' in html
    shot = tmp_path / "report.png"
    result = _chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,1600",
                       page.as_uri())
    assert result.returncode == 0, result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_audit_org_pipeline_passes_check() -> None:
    result = Engine(cwd=ROOT).run([str(PIPELINE)])
    assert [f.status for f in result.files] == ["linted"]
    assert not [f for f in result.findings if f.code.startswith("LL1")], result.findings
    assert result.builds == []


def test_audit_org_pipeline_shards_match_the_matrix() -> None:
    text = PIPELINE.read_text(encoding="utf-8")
    shards = re.findall(r"^      shard_(\d+):\n        shard: (\d+)$", text, re.M)
    match = re.search(r"^  shardCount: (\d+)$", text, re.M)
    assert match is not None
    count = int(match.group(1))
    assert [int(a) for a, _ in shards] == [int(b) for _, b in shards] == list(
        range(1, count + 1))
    assert "--shard $(shard)/$(shardCount)" in text
    assert "layerlint audit merge" in text and "--html" in text
    assert "pip install" in text
    assert not re.search(r"docker (buildx )?build|Docker@", text)
    assert shutil.which("git") is not None  # the --repos tests need it too
