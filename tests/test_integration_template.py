"""The Azure Pipelines PR-check template: it passes layerlint, it validates against the
official Azure Pipelines schema (check-jsonschema's vendored copy: no network), and it runs
layerlint with the formats and artifacts the README promises."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from conftest import ROOT

TEMPLATE = ROOT / "integrations" / "azure-pipelines" / "layerlint-steps.yml"


def test_template_passes_layerlint(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("check", "--isolated", str(TEMPLATE), cwd=ROOT)
    assert (r.code, r.out) == (0, "All checks passed (1 file checked).\n"), r.out + r.err


def test_template_matches_the_azure_pipelines_schema() -> None:
    pytest.importorskip("check_jsonschema")
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.azure-pipelines",
         "--data-transform", "azure-pipelines", "--regex-variant", "nonunicode", str(TEMPLATE)],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _steps() -> list[dict[str, object]]:
    data = YAML(typ="safe").load(TEMPLATE.read_text())
    steps: list[dict[str, object]] = []
    for item in data["steps"]:
        inner = next(iter(item.values())) if all(k.startswith("${{") for k in item) else None
        steps.extend(inner if isinstance(inner, list) else [item])
    return steps


def test_template_runs_layerlint_and_publishes() -> None:
    steps = _steps()
    scripts = " ".join(str(s.get("script", "")) for s in steps)
    assert "pip install" in scripts
    check = next(str(s["script"]) for s in steps if "layerlint check" in str(s.get("script")))
    assert "--format azure" in check and "--format sarif --output" in check
    assert "--format junit --output" in check
    tasks = {str(s.get("task")): s for s in steps if "task" in s}
    publish = tasks["PublishTestResults@2"]
    assert publish["condition"] == "always()"
    assert publish["inputs"]["testResultsFormat"] == "JUnit"  # type: ignore[index]
    artifact = tasks["PublishPipelineArtifact@1"]
    assert artifact["condition"] == "always()"
    assert artifact["inputs"]["artifact"] == "${{ parameters.artifactName }}"  # type: ignore[index]
    params = YAML(typ="safe").load(TEMPLATE.read_text())["parameters"]
    assert {"name": "artifactName", "type": "string",
            "default": "CodeAnalysisLogs"} in params


def test_template_command_line_is_valid(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The options the template passes, with its paths, produce the three reports."""
    (tmp_path / "azure-pipelines.yml").write_text("steps:\n- script: docker build .\n")
    r = cli("check", ".", "--format", "azure",
            "--format", "sarif", "--output", "out/CodeAnalysisLogs/layerlint.sarif",
            "--format", "junit", "--output", "out/layerlint-junit.xml", cwd=tmp_path)
    assert r.code == 1 and r.out.startswith("##vso[task.logissue type=error;")
    assert (tmp_path / "out" / "CodeAnalysisLogs" / "layerlint.sarif").is_file()
    assert (tmp_path / "out" / "layerlint-junit.xml").read_text().startswith("<?xml")


def test_readme_shows_how_to_use_the_template() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "integrations/azure-pipelines/layerlint-steps.yml@layerlint" in readme
    assert "resources:" in readme and "repositories:" in readme
