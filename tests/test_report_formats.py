"""Every reporter against a golden file, built from two hand-made findings (one with a fix,
messages with characters each format must escape). ``LAYERLINT_UPDATE_GOLDEN=1`` rewrites
the golden files; review the diff."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from layerlint.engine import FileStatus, Result
from layerlint.finding import Edit, Finding, Fix
from layerlint.report import REPORTERS, azure_report, github_report, gitlab_report, sarif_report

from conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "junit": "xml",
              "azure": "txt", "github": "txt", "gitlab": "json"}

UNCACHED = Finding(
    "ci/azure-pipelines.yml", 7, 11, "LL101", 7, 32, "uncached-docker-build", "error",
    "`docker build` imports no layer cache; 100% of layers [re]build; see a,b: c\nnext",
)
MISMATCH = Finding(
    "templates/build.yml", 12, 11, "LL202", 12, 41, "cache-path-mismatch", "warning",
    "Cache@2 path `$(Pipeline.Workspace)/docker` is not the build's cache dir "
    "`$(Pipeline.Workspace)/cache`",
    Fix("Restore the build's cache dir", "safe",
        (Edit(230, 260, "$(Pipeline.Workspace)/cache"),)),
)


def sample() -> Result:
    return Result(
        findings=[UNCACHED, MISMATCH],
        files=[FileStatus("ci/azure-pipelines.yml", "linted"),
               FileStatus("clean.yml", "linted"),
               FileStatus("compose.yml", "skipped", "not a pipeline"),
               FileStatus("templates/build.yml", "linted")],
    )


def _stable(fmt: str, text: str) -> str:
    """SARIF rule help comes from the rules' docstrings, which change with the rules:
    golden files hold placeholders (the help itself is tested below)."""
    if fmt != "sarif":
        return text
    data = json.loads(text)
    data["runs"][0]["tool"]["driver"]["version"] = "VERSION"
    data["runs"][0]["tool"]["driver"]["semanticVersion"] = "VERSION"
    for rule in data["runs"][0]["tool"]["driver"]["rules"]:
        rule["fullDescription"]["text"] = f"<{rule['id']} description>"
        rule["help"] = {"text": f"<{rule['id']} help>", "markdown": f"<{rule['id']} md>"}
        rule["shortDescription"]["text"] = f"<{rule['id']} summary>"
        rule["properties"]["fix"] = f"<{rule['id']} fix>"
        rule["defaultConfiguration"]["level"] = f"<{rule['id']} level>"
    return json.dumps(data, indent=2) + "\n"


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_golden(fmt: str) -> None:
    path = GOLDEN / f"report.{fmt}.{EXTENSIONS[fmt]}"
    text = REPORTERS[fmt](sample())
    if fmt == "json":
        data = json.loads(text)
        data["layerlint"] = "VERSION"
        text = json.dumps(data, indent=2) + "\n"
    text = _stable(fmt, text)
    if os.environ.get("LAYERLINT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_every_format_has_a_golden_file() -> None:
    assert {p.name.split(".")[1] for p in GOLDEN.glob("report.*")} == set(REPORTERS)


def _validate_sarif(data: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(data)


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(), reason="SARIF schema not present")
def test_sarif_is_valid_and_complete() -> None:
    data = json.loads(REPORTERS["sarif"](sample()))
    _validate_sarif(data)
    run = data["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["LL101", "LL202"]
    from layerlint.docs import render_rule

    assert rules[1]["help"]["markdown"] == render_rule("LL202")
    assert rules[1]["helpUri"].endswith("/docs/rules/LL202.md")
    assert [r["level"] for r in run["results"]] == ["error", "warning"]
    fix = run["results"][1]["fixes"][0]
    replacement = fix["artifactChanges"][0]["replacements"][0]
    assert replacement == {"deletedRegion": {"charOffset": 230, "charLength": 30},
                           "insertedContent": {"text": "$(Pipeline.Workspace)/cache"}}
    assert "fixes" not in run["results"][0]


def test_info_severity_mapping() -> None:
    info = Finding("a b.yml", 1, 1, "LL103", 1, 5, "uncached-compose-build", "info", "m")
    result = Result(findings=[info])
    assert azure_report.line(info).startswith("##vso[task.logissue type=warning;")
    assert github_report.line(info).startswith("::notice file=a b.yml,")
    assert gitlab_report.to_data(result)[0]["severity"] == "info"
    sarif = sarif_report.to_data(result)
    assert sarif["runs"][0]["results"][0]["level"] == "note"
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"] == "a%20b.yml"
    junit = ET.fromstring(REPORTERS["junit"](result))
    assert junit.find(".//failure") is None and junit.find(".//system-out") is not None


def test_escaping() -> None:
    assert azure_report.escape_data("50%\r\n;]") == "50%AZP25%0D%0A;]"
    assert azure_report.escape_property("a;b]c%") == "a%3Bb%5Dc%AZP25"
    assert github_report.escape_data("50%\r\n:,") == "50%25%0D%0A:,"
    assert github_report.escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_junit_structure() -> None:
    root = ET.fromstring(REPORTERS["junit"](sample()))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["ci/azure-pipelines.yml", "clean.yml",
                                               "templates/build.yml"]
    assert root.get("tests") == "3" and root.get("failures") == "2"
    cases = root.findall(".//testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("ci/azure-pipelines.yml", "LL101 uncached-docker-build"),
        ("clean.yml", "no findings"),
        ("templates/build.yml", "LL202 cache-path-mismatch"),
    ]
    failure = cases[0].find("failure")
    assert failure is not None and "\n" in (failure.text or "") + (failure.get("message") or "")


def test_gitlab_fingerprints_are_stable_and_distinct() -> None:
    moved = Finding(UNCACHED.path, 30, 11, UNCACHED.code, 30, 32, UNCACHED.name,
                    UNCACHED.severity, UNCACHED.message)
    first = gitlab_report.to_data(Result(findings=[UNCACHED]))[0]["fingerprint"]
    assert gitlab_report.to_data(Result(findings=[moved]))[0]["fingerprint"] == first
    twice = gitlab_report.to_data(Result(findings=[UNCACHED, moved]))
    assert len({i["fingerprint"] for i in twice}) == 2


CORPUS = ROOT.parent / "shared" / "corpus" / "files"


@pytest.mark.skipif(not (CORPUS.is_dir() and SARIF_SCHEMA.is_file()), reason="no corpus")
def test_sarif_of_the_corpus_is_valid(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("check", "--isolated", "--format", "sarif", str(CORPUS), cwd=ROOT)
    assert r.code in (0, 1), r.err
    data = json.loads(r.out)
    _validate_sarif(data)
    results = data["runs"][0]["results"]
    assert len(results) > 100
    assert {r["ruleId"] for r in results} == {
        rule["id"] for rule in data["runs"][0]["tool"]["driver"]["rules"]}
