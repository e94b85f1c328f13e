"""Templates: expansion, parameters, where findings land, LL002 cases."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import ROOT, run

SEED = ROOT / "tests" / "fixtures" / "seed"
CORE = {"LL101", "LL102", "LL103", "LL201", "LL202", "LL203"}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def git_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".git").mkdir()  # enough for the repository-root rule
    write(repo, files)
    return repo


def codes(result) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    return sorted((f.path, f.line, f.code) for f in result.findings)


def test_seed_template_and_caller_have_no_core_findings() -> None:
    result = run(["."], SEED, CORE)
    assert result.findings == []
    assert {f.status for f in result.files} == {"linted"}
    builds = [b for b in result.builds if b.command == "docker buildx build"]
    assert len(builds) == 1 and builds[0].cached and builds[0].cache == ("local",)


def test_steps_template_build_reported_once_in_template(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": "trigger: none\nsteps:\n- template: ci/build.yml\n"
                               "- template: ci/build.yml\n",
        "ci/build.yml": "steps:\n- script: docker build -t app .\n",
    })
    result = run(["."], repo, {"LL101"})
    assert codes(result) == [("ci/build.yml", 2, "LL101")]


def test_template_only_checked_through_caller_is_not_reported(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": "trigger: none\nsteps:\n- template: ci/build.yml\n",
        "ci/build.yml": "steps:\n- script: docker build -t app .\n",
    })
    # pre-commit passes only the changed caller: the template's own problem belongs to it
    assert run(["azure-pipelines.yml"], repo, {"LL101"}).findings == []


def test_problem_caused_by_caller_parameters_is_reported_at_the_reference(tmp_path: Path) -> None:
    template = (
        "parameters:\n- name: cacheDir\n  default: $(Pipeline.Workspace)/docker_cache\n"
        "steps:\n- task: Cache@2\n  inputs:\n    key: '\"docker\" | \"$(Agent.OS)\"'\n"
        "    path: $(Pipeline.Workspace)/docker_cache\n"
        "- script: docker buildx build --cache-from type=local,src=${{ parameters.cacheDir }}"
        " --load -t app .\n"
    )
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": "trigger: none\nsteps:\n- template: t.yml\n  parameters:\n"
                               "    cacheDir: $(Pipeline.Workspace)/other\n",
        "t.yml": template,
    })
    result = run(["."], repo, {"LL202"})
    assert codes(result) == [("azure-pipelines.yml", 3, "LL202")]
    assert "other" in result.findings[0].message and "t.yml:8" in result.findings[0].message


def test_step_list_parameters_are_steps_of_the_file_that_writes_them(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": (
            "trigger: none\nextends:\n  template: base.yml\n  parameters:\n    buildSteps:\n"
            "    - script: docker build -t app .\n"
        ),
        "base.yml": (
            "parameters:\n- name: buildSteps\n  type: stepList\n  default: []\n"
            "jobs:\n- job: build\n  pool:\n    name: my-agents\n  steps:\n"
            "  - checkout: self\n  - ${{ each step in parameters.buildSteps }}:\n"
            "    - ${{ step }}\n"
        ),
    })
    result = run(["."], repo, {"LL101"})
    assert codes(result) == [("azure-pipelines.yml", 6, "LL101")]
    assert result.findings[0].severity == "warning"  # self-hosted pool from the template


def test_orphan_step_list_parameters_are_linted(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": (
            "trigger: none\nresources:\n  repositories:\n  - repository: tools\n"
            "    type: git\n    name: org/tools\nextends:\n  template: base.yml@tools\n"
            "  parameters:\n    steps:\n    - script: docker build -t app .\n"
        ),
    })
    result = run(["."], repo)
    assert codes(result) == [("azure-pipelines.yml", 8, "LL002"),
                             ("azure-pipelines.yml", 11, "LL101")]
    assert [f.severity for f in result.findings] == ["info", "error"]


def test_ll002_missing_escape_and_cycle(tmp_path: Path) -> None:
    (tmp_path / "outside.yml").write_text("steps:\n- script: echo\n")
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": (
            "trigger: none\nsteps:\n- template: ../outside.yml\n- template: /nope.yml\n"
            "- template: a.yml\n"
        ),
        "a.yml": "steps:\n- template: b.yml\n",
        "b.yml": "steps:\n- template: a.yml\n",
    })
    result = run(["azure-pipelines.yml"], repo, {"LL002"})
    messages = {f.line: f.message for f in result.findings if f.path == "azure-pipelines.yml"}
    assert "outside the repository" in messages[3]
    assert "not found" in messages[4]
    cycle = run(["."], repo, {"LL002"})
    assert any("cycle" in f.message for f in cycle.findings)


def test_symlinked_template_leaving_the_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.yml").write_text("steps:\n- script: docker build .\n")
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": "trigger: none\nsteps:\n- template: link.yml\n",
    })
    (repo / "link.yml").symlink_to(tmp_path / "secret.yml")
    result = run(["azure-pipelines.yml"], repo)
    assert codes(result) == [("azure-pipelines.yml", 3, "LL002")]


def test_variables_templates_and_stage_templates(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": (
            "trigger: none\nvariables:\n- template: vars.yml\nstages:\n"
            "- template: stages.yml\n  parameters:\n    dir: $(cacheRoot)/app\n"
        ),
        "vars.yml": "variables:\n  cacheRoot: $(Pipeline.Workspace)/layers\n",
        "stages.yml": (
            "parameters:\n- name: dir\n  default: ''\nstages:\n- stage: s\n  jobs:\n"
            "  - job: j\n    steps:\n    - task: Cache@2\n      inputs:\n"
            "        key: docker | ./Dockerfile\n"
            "        path: $(Pipeline.Workspace)/layers/app\n"
            "    - script: docker buildx build --cache-from type=local,src=${{ parameters.dir }}"
            " .\n"
        ),
    })
    result = run(["azure-pipelines.yml"], repo, CORE)
    assert result.findings == []


def test_git_root_found_from_nested_directory(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write(repo, {
        "ci/pipelines/main.yml": "trigger: none\nsteps:\n- template: /ci/t.yml\n",
        "ci/t.yml": "steps:\n- script: echo\n",
    })
    assert run(["main.yml"], repo / "ci" / "pipelines").findings == []


def test_relocated_findings_carry_no_fix(tmp_path: Path) -> None:
    template = (
        "parameters:\n- name: cacheDir\n  default: $(Pipeline.Workspace)/docker_cache\n"
        "steps:\n- task: Cache@2\n  inputs:\n    key: '\"docker\" | \"$(Agent.OS)\"'\n"
        "    path: $(Pipeline.Workspace)/docker_cache\n"
        "- script: docker buildx build --cache-from type=local,src=${{ parameters.cacheDir }}"
        " --load -t app .\n"
    )
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": "trigger: none\nsteps:\n- template: t.yml\n  parameters:\n"
                               "    cacheDir: $(Pipeline.Workspace)/other\n",
        "t.yml": template,
    })
    result = run(["azure-pipelines.yml"], repo, {"LL202"})
    assert [(f.line, f.fix) for f in result.findings] == [(3, None)]


def test_problems_of_mapped_template_repositories_are_reported_at_the_reference(
        tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "build.yml").write_text("steps:\n- script: docker build -t app .\n")
    repo = git_repo(tmp_path, {
        "azure-pipelines.yml": (
            "resources:\n  repositories:\n  - repository: tools\n    type: git\n"
            "    name: org/tools\nsteps:\n- template: build.yml@tools\n"),
    })
    from layerlint.engine import Engine

    result = Engine({"LL101", "LL002"}, cwd=repo, template_repos={"tools": tools}).run(["."])
    assert codes(result) == [("azure-pipelines.yml", 7, "LL101")]
    assert "build.yml:2" in result.findings[0].message


def test_backslash_template_paths_resolve_and_messages_show_them_as_written(
        tmp_path: Path) -> None:
    tools = tmp_path / "azure-devops-templates"
    (tools / "templates" / "Azure" / "KeyVault").mkdir(parents=True)
    (tools / "templates" / "Azure" / "KeyVault" / "get.yml").write_text(
        "steps:\n- script: docker build -t app .\n")
    repo = git_repo(tmp_path, {
        "ci/azure-pipelines.yml": (
            "steps:\n- template: templates\\Azure\\KeyVault\\get.yml@templates\n"
            "- template: templates\\Azure\\KeyVault\\nope.yml@templates\n"
            "- template: ..\\..\\Github\\get-app-token.yaml\n"
            "- template: ..\\steps\\build.yml\n"),
        "steps/build.yml": "steps:\n- script: echo\n",
    })
    from layerlint.engine import Engine

    result = Engine({"LL101", "LL002"}, cwd=repo,
                    template_repos={"templates": tools}).run(["."])
    assert codes(result) == [("ci/azure-pipelines.yml", 2, "LL101"),
                             ("ci/azure-pipelines.yml", 3, "LL002"),
                             ("ci/azure-pipelines.yml", 4, "LL002")]
    messages = [f.message for f in result.findings if f.code == "LL002"]
    assert messages == [
        "template `templates\\Azure\\KeyVault\\nope.yml@templates` not found (looked for "
        "/templates/Azure/KeyVault/nope.yml in repository 'templates')",
        "template `..\\..\\Github\\get-app-token.yaml` leaves this repository: it resolves "
        "outside the repository root, and layerlint does not read it",
    ]


def test_seed_ll301_is_reported_once_at_the_template_not_at_each_caller(
        tmp_path: Path) -> None:
    caller = (SEED / "azure-pipelines.yml").read_text()
    repo = git_repo(tmp_path, {
        "templates.yaml": (SEED / "templates.yaml").read_text(),
        "azure-pipelines.yml": caller,
        "other/azure-pipelines.yml": caller.replace("templates.yaml", "../templates.yaml"),
    })
    result = run(["."], repo, {"LL301"})
    assert [(f.path, f.code) for f in result.findings] == [("templates.yaml", "LL301")]


def test_ll304_judges_parameter_key_files_only_through_a_caller_here(tmp_path: Path) -> None:
    template = (ROOT / "tests/rules/ll304/good/template_parameter.yml").read_text()
    repo = git_repo(tmp_path, {"t.yml": template, "src/MyProject/packages.lock.json": "{}"})
    assert run(["."], repo, {"LL304"}).findings == []  # no caller: the files are elsewhere
    (repo / "azure-pipelines.yml").write_text(
        "steps:\n- template: t.yml\n  parameters:\n    nugetProjectPath: nope\n")
    assert codes(run(["."], repo, {"LL304"})) == [("azure-pipelines.yml", 2, "LL304")]
    (repo / "azure-pipelines.yml").write_text("steps:\n- template: t.yml\n")
    assert run(["."], repo, {"LL304"}).findings == []  # the default names a file here
