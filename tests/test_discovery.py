"""Which files are checked, and which unparsable files are errors (rules.md, "Which
unparsable files get LL001", "Vendored code"): a repository root holds Helm charts,
manifests, lock files and vendored code next to its pipelines, and only the pipelines are
the linter's business."""

from __future__ import annotations

from pathlib import Path

from test_templates import codes, git_repo

from conftest import run

HELM = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n"
        '  {{- include "x" . }}\n')
BROKEN = "steps:\n- script: echo hi\n  bad: [\n"
PIPELINE = "trigger: none\nsteps:\n- script: echo hi\n"
BUILD = "steps:\n- script: docker build -t app .\n"


def test_unparsable_yaml_that_is_not_a_pipeline_is_skipped_with_a_reason(tmp_path: Path,
                                                                        cli) -> None:  # type: ignore[no-untyped-def]
    repo = git_repo(tmp_path, {
        "charts/app/templates/service.yaml": HELM,
        "pnpm-lock.yaml": "lockfileVersion: '6.0'\n  bad: : indent\n",
        ".github/dependabot.yml": "version: 2\nupdates:\n- a: 1\n b: 2\n",
        "k8s/deploy.yaml": "kind: Deployment\nmetadata:\n  name: a\n  name: b\n",
        "azure-pipelines.yml": PIPELINE,
    })
    result = run(["."], repo)
    assert result.findings == []
    status = {s.path: s for s in result.files}
    assert status["azure-pipelines.yml"].status == "linted"
    for name in ("charts/app/templates/service.yaml", "pnpm-lock.yaml",
                 ".github/dependabot.yml", "k8s/deploy.yaml"):
        assert status[name].status == "skipped", name
        assert "not a pipeline file" in status[name].reason
    shown = cli("check", "--verbose", cwd=repo)
    assert shown.code == 0
    assert "skipped charts/app/templates/service.yaml: not a pipeline file" in shown.err
    assert "skipped k8s/deploy.yaml: not a pipeline file, and not valid YAML: duplicate key" \
        in shown.err


def test_unparsable_pipeline_files_by_name_place_or_argument_are_ll001(tmp_path: Path) -> None:
    files = {name: BROKEN for name in (
        "azure-pipelines.yml", "azure-pipelines-pr.yaml", ".azure-pipelines/a.yml",
        ".azuredevops/b.yml", ".pipelines/c.yml", ".ado/d.yaml", "build/pipelines/e.yml",
        "ci/other.yml")}
    repo = git_repo(tmp_path, files)
    found = {f.path for f in run(["."], repo).findings if f.code == "LL001"}
    assert found == set(files) - {"ci/other.yml"}
    # named on the command line: a pipeline file whatever its name
    assert codes(run(["ci/other.yml"], repo)) == [("ci/other.yml", 4, "LL001")]


def test_duplicate_keys_are_ll001_only_in_pipeline_files(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {
        "manifest.yaml": "kind: ConfigMap\ndata:\n  a: 1\n  a: 2\n",
        "ci/build.yml": "trigger: none\nsteps:\n- script: echo\nsteps:\n- script: echo\n",
    })
    assert codes(run(["."], repo)) == [("ci/build.yml", 4, "LL001")]


def test_unparsable_template_is_ll001_once_in_the_template_not_ll002_at_callers(
        tmp_path: Path) -> None:
    callers = {f"ci/p{i}.yml": "steps:\n- template: ../templates/t.yml\n" for i in range(3)}
    repo = git_repo(tmp_path, {**callers, "templates/t.yml": BROKEN})
    result = run(["."], repo)
    assert codes(result) == [("templates/t.yml", 4, "LL001")]
    assert {s.path: s.status for s in result.files}["templates/t.yml"] == "error"
    # a template outside the walk (only the caller named) is reported all the same
    assert codes(run(["ci/p0.yml"], repo)) == [("templates/t.yml", 4, "LL001")]


def test_repeated_expression_keys_template_and_its_callers_lint_normally(tmp_path: Path) -> None:
    template = (
        "parameters:\n- name: os\n  default: linux\n"
        "variables:\n"
        "  ${{ if eq(parameters.os, 'windows') }}:\n    a: 1\n  ${{ else }}:\n    a: 2\n"
        "  ${{ if eq(parameters.os, 'windows') }}:\n    b: 1\n  ${{ else }}:\n    b: 2\n"
        "steps:\n"
        "- task: Bash@3\n  inputs:\n    targetType: inline\n"
        "    script: docker build -t app .\n"
        "    ${{ if eq(parameters.os, 'windows') }}:\n      workingDirectory: w\n"
        "    ${{ else }}:\n      workingDirectory: l\n"
        "  ${{ if eq(parameters.os, 'windows') }}:\n    displayName: win\n"
        "  ${{ else }}:\n    displayName: linux\n"
    )
    callers = {f"p{i}.yml": "steps:\n- template: .pipelines/cni/t.yml\n" for i in range(14)}
    repo = git_repo(tmp_path, {**callers, ".pipelines/cni/t.yml": template})
    result = run(["."], repo)
    assert {f.code for f in result.findings} == {"LL101"}
    assert {f.path for f in result.findings} == {".pipelines/cni/t.yml"}
    assert all(s.status == "linted" for s in result.files)


def test_vendor_directories_are_not_walked_by_default(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": BUILD,
        "vendor/github.com/x/y/azure-pipelines.yml": BUILD,
        "src/vendor/z/.pipelines/b.yml": BROKEN,
    })
    assert codes(run(["."], repo)) == [("azure-pipelines.yml", 2, "LL101")]
    # named on the command line, a vendor directory is walked
    assert [f.code for f in run(["vendor"], repo).findings] == ["LL101"]
    # a configured exclude replaces the default: vendor is checked
    (repo / ".layerlint.toml").write_text('exclude = ["docs"]\n')
    shown = cli("check", "--quiet", cwd=repo)
    assert "vendor/github.com/x/y/azure-pipelines.yml:2:" in shown.out
    assert "src/vendor/z/.pipelines/b.yml:4:" in shown.out
    (repo / ".layerlint.toml").write_text('extend-exclude = ["docs"]\n')
    shown = cli("check", "--quiet", cwd=repo)
    assert "vendor/" not in shown.out
