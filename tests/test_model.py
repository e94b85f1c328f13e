"""Pipeline model details found in the corpus review: each-loops over empty parameters,
steps passed to unresolvable extends templates, legacy hosted queues, task versions,
disabled steps, Windows pools."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run


def lint(tmp_path: Path, text: str, codes: set[str] | None = None):  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(text)
    return run(["p.yml"], tmp_path, codes).findings


def test_each_over_empty_parameter_still_lints_the_body(tmp_path: Path) -> None:
    text = (
        "parameters:\n- name: images\n  type: object\n  default: []\nsteps:\n"
        "- ${{ each image in parameters.images }}:\n"
        "  - script: docker build -t ${{ image }} .\n"
    )
    assert [(f.line, f.code) for f in lint(tmp_path, text)] == [(7, "LL101")]


def test_stages_passed_to_a_template_in_another_repository(tmp_path: Path) -> None:
    text = (
        "resources:\n  repositories:\n  - repository: templates\n    type: git\n"
        "    name: org/templates\nextends:\n  template: v1/pipeline.yml@templates\n"
        "  parameters:\n    stages:\n    - stage: build\n      jobs:\n      - job: b\n"
        "        steps:\n        - script: docker build .\n"
    )
    found = [(f.line, f.code, f.severity) for f in lint(tmp_path, text)]
    assert found == [(7, "LL002", "info"), (14, "LL101", "error")]


@pytest.mark.parametrize(("pool", "severity"), [
    ("pool:\n  vmImage: ubuntu-latest\n", "error"),
    ("pool: Azure Pipelines\n", "error"),
    ("queue: Hosted Ubuntu 1604\n", "error"),
    ("pool:\n  name: my-build-agents\n", "warning"),
    ("pool: ${{ parameters.pool }}\n", "error"),
])
def test_agent_awareness(tmp_path: Path, pool: str, severity: str) -> None:
    findings = lint(tmp_path, f"trigger: none\n{pool}steps:\n- script: docker build .\n")
    assert [f.severity for f in findings] == [severity]
    if severity == "warning":
        assert "same self-hosted agent" in findings[0].message


def test_windows_pool_gets_no_buildx_advice(tmp_path: Path) -> None:
    findings = lint(tmp_path, "pool:\n  vmImage: windows-2022\nsteps:\n"
                              "- script: docker build -t app .\n")
    assert len(findings) == 1 and "buildx build --cache-from" not in findings[0].message
    assert "Windows agents have no buildx" in findings[0].message


def test_only_real_task_versions_build(tmp_path: Path) -> None:
    text = "steps:\n" + "".join(
        f"- task: {name}\n  inputs:\n    command: buildAndPush\n"
        for name in ("Docker@3", "Docker@4", "Docker", "Docker@2")
    )
    assert [(f.line, f.code) for f in lint(tmp_path, text)] == [(11, "LL102")]


def test_disabled_steps_are_not_linted(tmp_path: Path) -> None:
    text = ("steps:\n- script: docker build .\n  enabled: false\n"
            "- script: docker build .\n  enabled: true\n")
    assert [f.line for f in lint(tmp_path, text)] == [4]


def test_ll001_points_at_the_key_missing_its_colon(tmp_path: Path) -> None:
    text = "steps:\n- script: echo\n  enabled:false\n  displayName: x\n"
    findings = lint(tmp_path, text)
    assert [(f.line, f.code) for f in findings] == [(3, "LL001")]
