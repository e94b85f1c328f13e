"""Baselines: fingerprints ignore line numbers (lines inserted above keep a finding
baselined), and they are a multiset (a new finding of the same rule in the same file is
still reported)."""

from __future__ import annotations

import json
from pathlib import Path

from layerlint.baseline import yaml_path
from layerlint.document import parse_text

PIPELINE = """\
stages:
- stage: build
  jobs:
  - job: a
    steps:
    - checkout: self
    - script: docker build -t app .
  - job: b
    steps:
    - script: |
        echo hi
        docker build -t other .
"""


def _write(tmp_path: Path, text: str) -> None:
    (tmp_path / "azure-pipelines.yml").write_text(text)


def _baseline(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _write(tmp_path, PIPELINE)
    r = cli("check", "--write-baseline", "baseline.json", ".", cwd=tmp_path)
    assert r.code == 0 and "recorded 2 findings" in r.err


def test_yaml_path_of_the_innermost_item() -> None:
    doc = parse_text(Path("/p.yml"), "p.yml", PIPELINE)
    assert yaml_path(doc.root, PIPELINE.index("docker build -t app")) == (
        "stages[0].jobs[0].steps[1]")
    assert yaml_path(doc.root, PIPELINE.index("docker build -t other")) == (
        "stages[0].jobs[1].steps[0]")
    assert yaml_path(doc.root, PIPELINE.index("stages")) == ""


def test_written_baseline_has_no_line_in_its_keys(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _baseline(cli, tmp_path)
    data = json.loads((tmp_path / "baseline.json").read_text())
    assert data["version"] == 1
    assert [(e["code"], e["path"], e["where"]) for e in data["findings"]] == [
        ("LL101", "azure-pipelines.yml", "stages[0].jobs[0].steps[1]"),
        ("LL101", "azure-pipelines.yml", "stages[0].jobs[1].steps[0]"),
    ]


def test_baselined_findings_are_not_reported(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _baseline(cli, tmp_path)
    r = cli("check", "--baseline", "baseline.json", ".", cwd=tmp_path)
    assert (r.code, r.out) == (0, "All checks passed (1 file checked).\n")


def test_inserted_lines_keep_findings_baselined(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _baseline(cli, tmp_path)
    shifted = "# a comment\nvariables:\n  tag: x\n" + PIPELINE.replace(
        "    - checkout: self\n", "    - checkout: self\n      clean: true\n    - script: echo\n")
    _write(tmp_path, shifted)
    assert cli("check", "-q", ".", cwd=tmp_path).code == 1  # still there without a baseline
    r = cli("check", "--baseline", "baseline.json", ".", cwd=tmp_path)
    assert (r.code, r.out) == (0, "All checks passed (1 file checked).\n")


def test_new_finding_of_the_same_rule_is_reported(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _baseline(cli, tmp_path)
    # the same command again, in a new step of the same job: identical text and rule
    _write(tmp_path, PIPELINE.replace(
        "    - script: docker build -t app .\n",
        "    - script: docker build -t app .\n    - script: docker build -t app .\n"))
    r = cli("check", "-q", "--baseline", "baseline.json", ".", cwd=tmp_path)
    assert r.code == 1
    assert [line.split(":")[1] for line in r.out.splitlines()] == ["8"]


def test_new_finding_with_other_text_is_reported(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _baseline(cli, tmp_path)
    _write(tmp_path, PIPELINE + "        docker build -t third .\n")
    r = cli("check", "-q", "--baseline", "baseline.json", ".", cwd=tmp_path)
    assert r.code == 1 and [ln.split(":")[1] for ln in r.out.splitlines()] == ["13"]


def test_baseline_paths_are_relative_to_the_baseline(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _baseline(cli, tmp_path)
    sub = tmp_path / "sub"
    sub.mkdir()
    r = cli("check", "--baseline", "../baseline.json", "..", cwd=sub)
    assert r.code == 0, r.out


def test_bad_baseline_is_a_usage_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _write(tmp_path, PIPELINE)
    (tmp_path / "b.json").write_text("[1, 2]")
    r = cli("check", "--baseline", "b.json", ".", cwd=tmp_path)
    assert r.code == 2 and "b.json: not a version 1 layerlint baseline" in r.err
    r = cli("check", "--baseline", "missing.json", ".", cwd=tmp_path)
    assert r.code == 2 and "cannot read baseline" in r.err
