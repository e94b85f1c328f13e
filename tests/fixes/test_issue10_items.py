"""Issue 10's twelve problems, one minimal pipeline each, with the *properties* the fix must
have (not its exact text). They ran against the fixer of 6949ac3 and failed there: that is
their point. Each item runs ``layerlint check --fix`` on a temporary checkout
(fixsafety.checks.run_repo) and judges the result with the fix-safety checks plus the
item's own property."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from fixsafety.checks import (
    CHECKS,
    Failure,
    RepoRun,
    check_args,
    check_conditions,
    check_expressions,
    check_findings,
    check_idempotent,
    check_keys,
    check_shell,
    check_windows,
    run_repo,
)
from fixsafety.pipelines import load_yaml

UBUNTU = "pool:\n  vmImage: ubuntu-latest\n"


def fix(tmp_path: Path, files: dict[str, str], unsafe: bool = False,
        isolated: bool = True) -> RepoRun:
    src = tmp_path / "src"
    for name, text in files.items():
        p = src / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    return run_repo(src, work, unsafe, isolated=isolated)


def fixed(run: RepoRun, name: str = "azure-pipelines.yml") -> str:
    return (run.after / name).read_text(encoding="utf-8")


def no_failures(*lists: list[Failure]) -> None:
    fails = [f for lst in lists for f in lst]
    assert not fails, "\n\n".join(map(str, fails))


def ll(run: RepoRun, code: str, after: bool = False) -> list[dict]:  # type: ignore[type-arg]
    return [f for f in (run.findings_after if after else run.findings_before)
            if f["code"] == code]


# --------------------------------------------------------------------------------- item 1
def test_item1_failed_build_still_fails_a_set_e_script(tmp_path: Path) -> None:
    run = fix(tmp_path, {"Dockerfile": "FROM alpine\n",
                         "azure-pipelines.yml": UBUNTU + textwrap.dedent("""\
        steps:
        - script: |
            set -e
            docker build -t myapp -f ./Dockerfile .
            docker run --rm myapp ./run-tests.sh
            docker push myapp
          displayName: Build, test, push
        """)})
    assert run.changed, "LL101 is fixed"
    no_failures(check_shell(run), check_conditions(run), check_findings(run))
    assert not re.search(r"(--load|\.)\s*\\?\s*\n?\s*&& rm -rf", fixed(run)), \
        "nothing is chained after the build"


# --------------------------------------------------------------------------------- item 2
def test_item2_continued_buildx_line_gets_no_escaped_space(tmp_path: Path) -> None:
    run = fix(tmp_path, {"Dockerfile": "FROM alpine\n",
                         "azure-pipelines.yml": UBUNTU + textwrap.dedent("""\
        steps:
        - script: |
            docker buildx build \\
              -t myapp \\
              -f ./Dockerfile .
        """)})
    text = fixed(run)
    assert "\\ --builder" not in text and "\\ --" not in text
    assert text.count("--builder") <= 1
    no_failures(check_args(run), check_idempotent(run), check_findings(run))
    m = re.search(r"Fixed (\d+) finding", run.fix_output)
    assert m is None or int(m.group(1)) <= len(run.findings_before)


# --------------------------------------------------------------------------------- item 3
def test_item3_jobs_matrix_legs_and_template_callers_get_their_own_keys(tmp_path: Path) -> None:
    run = fix(tmp_path, {
        "Dockerfile": "FROM alpine\n",
        "azure-pipelines.yml": UBUNTU + textwrap.dedent("""\
        jobs:
        - job: api
          steps:
          - script: docker build -t $IMAGE_NAME .
            env: {IMAGE_NAME: api}
        - job: web
          steps:
          - script: docker build -t $IMAGE_NAME .
            env: {IMAGE_NAME: web}
        - job: matrix
          strategy:
            matrix:
              debug: {BuildConfiguration: Debug}
              release: {BuildConfiguration: Release}
          steps:
          - script: docker build --build-arg CONFIG=$(BuildConfiguration) -t app .
        - job: callers
          steps:
          - template: build.yml
            parameters: {name: one}
          - template: build.yml
            parameters: {name: two}
        """),
        "build.yml": """\
        parameters:
        - name: name
          type: string
        steps:
        - script: docker build -t ${{ parameters.name }} .
        """})
    assert run.changed
    no_failures(check_keys(run), check_expressions(run), check_findings(run))


# --------------------------------------------------------------------------------- item 4
def test_item4_template_parameter_defaults_are_not_baked_in(tmp_path: Path) -> None:
    template = """\
        parameters:
        - name: dockerfile
          default: /docker/linux/amd64/Dockerfile
        - name: name
          default: ''
        - name: context
          default: /target
        steps:
        - script: >-
            docker build -f ${{ parameters.dockerfile }}
            -t azureiotedge-${{ parameters.name }}:$(Build.BuildNumber)
            ${{ parameters.context }}
        - script: docker build -f ${{ parameters.dockerfile }} -t second ${{ parameters.context }}
        """
    run = fix(tmp_path, {"templates/images.yaml": template,
                         "azure-pipelines.yml": UBUNTU + textwrap.dedent("""\
        steps:
        - template: templates/images.yaml
          parameters: {name: agent, context: ./agent, dockerfile: ./agent/Dockerfile}
        - template: templates/images.yaml
          parameters: {name: hub, context: ./hub, dockerfile: ./hub/Dockerfile}
        """)})
    text = fixed(run, "templates/images.yaml")
    for default in ("/docker/linux/amd64/Dockerfile", "/target", "azureiotedge-:"):
        assert text.count(default) == textwrap.dedent(template).count(default), default
    no_failures(check_expressions(run), check_keys(run), check_findings(run))
    assert ll(run, "LL208", after=True) == []


# --------------------------------------------------------------------------------- item 5
@pytest.mark.parametrize("pool, extra", [
    ("vmImage: windows-latest", ""),
    ("vmImage: vs2017-win2016", ""),
    ("vmImage: vs2015-win2012r2", ""),
    ("vmImage: macOS-latest", ""),
    ("name: Windows-SelfHosted", ""),
    ("vmImage: ubuntu-latest", " --isolation=hyperv"),
    ("vmImage: ubuntu-latest", " --platform windows/amd64"),
])
def test_item5_no_fix_in_windows_or_macos_jobs(tmp_path: Path, pool: str, extra: str) -> None:
    run = fix(tmp_path, {"Dockerfile": "FROM alpine\n", "azure-pipelines.yml": f"""\
pool:
  {pool}
steps:
- script: docker build{extra} -t myapp .
"""})
    found = ll(run, "LL101")
    assert found, "still reported"
    assert all(f.get("fix") is None for f in found), "reported without a fix"
    assert run.changed == []
    no_failures(check_windows(run))


def test_item5_scripttype_ps_job_is_windows(tmp_path: Path) -> None:
    run = fix(tmp_path, {"Dockerfile": "FROM alpine\n", "azure-pipelines.yml": """\
pool: {name: Default}
steps:
- task: AzureCLI@2
  inputs: {azureSubscription: s, scriptType: ps, scriptLocation: inlineScript,
           inlineScript: az acr login -n r}
- script: docker build -t myapp .
"""})
    assert all(f.get("fix") is None for f in ll(run, "LL101"))
    assert run.changed == []


# --------------------------------------------------------------------------------- item 6
def test_item6_local_base_image_gets_no_safe_fix(tmp_path: Path) -> None:
    run = fix(tmp_path, {
        "base/Dockerfile": "FROM alpine\n",
        "app/Dockerfile": "ARG IMAGE\nFROM $IMAGE\nRUN true\n",
        "azure-pipelines.yml": UBUNTU + textwrap.dedent("""\
        steps:
        - script: docker build -t imagebuilder-base ./base
        - script: docker build --build-arg IMAGE=imagebuilder-base -t app -f app/Dockerfile app
        """)})
    found = sorted(ll(run, "LL101"), key=lambda f: f["line"])
    assert len(found) == 2, "both builds are reported"
    second = found[1:]
    assert all((f.get("fix") or {}).get("applicability") != "safe" for f in second)
    assert "--build-arg IMAGE=imagebuilder-base -t app -f app/Dockerfile app" in fixed(run)
    assert not re.search(r"--builder\S*\s+\S*\s*.*IMAGE=imagebuilder-base", fixed(run))


# --------------------------------------------------------------------------------- item 7
def test_item7_no_load_on_multi_platform_and_no_second_builder(tmp_path: Path) -> None:
    run = fix(tmp_path, {"Dockerfile": "FROM alpine\n",
                         "azure-pipelines.yml": UBUNTU + textwrap.dedent("""\
        variables:
          BUILD_PLATFORMS: linux/amd64,linux/arm64
        steps:
        - script: |
            docker buildx create --name mine --driver docker-container --use
            docker buildx build --platform $(BUILD_PLATFORMS) -t myreg/app:1 --push .
        - script: |
            docker buildx build --platform $(BUILD_PLATFORMS) -t myreg/tool:1 -f ./Dockerfile .
        """)})
    text = fixed(run)
    assert "--load" not in text
    assert "buildx create" in text and text.count("buildx create") == 1
    assert "--builder layerlint" not in text.split("buildx create --name mine")[1]
    no_failures(check_args(run), check_findings(run))


# --------------------------------------------------------------------------------- item 8
def test_item8_conditions_travel_and_the_dir_exists(tmp_path: Path) -> None:
    run = fix(tmp_path, {"Dockerfile": "FROM alpine\n",
                         "azure-pipelines.yml": UBUNTU + textwrap.dedent("""\
        steps:
        - script: docker build -t myapp .
          condition: eq(variables['Build.SourceBranch'], 'refs/heads/main')
        - script: |
            if [ "$(Build.Reason)" = "PullRequest" ]; then
              docker build -t pr .
            fi
        """)})
    assert run.changed
    no_failures(check_conditions(run), check_shell(run))
    doc = load_yaml(fixed(run))
    cond = "eq(variables['Build.SourceBranch'], 'refs/heads/main')"
    caches = [s for s in doc["steps"] if str(s.get("task", "")).lower().startswith("cache@")]
    assert any(s.get("condition") == cond for s in caches)


# --------------------------------------------------------------------------------- item 9
def test_item9_fixed_powershell_step_has_no_new_ll402(tmp_path: Path) -> None:
    run = fix(tmp_path, {"Dockerfile": "FROM alpine\n", "azure-pipelines.yml": """\
        pool: {name: LinuxBuilders}
        steps:
        - pwsh: |
            docker build -t myapp .
            if ($LASTEXITCODE -ne 0) { exit 1 }
        """})
    assert run.changed
    assert ll(run, "LL402", after=True) == []
    no_failures(check_findings(run))


# --------------------------------------------------------------------------------- item 10
def test_item10_ll301_fix_with_cachehitvar_consumer_is_not_safe(tmp_path: Path) -> None:
    pipeline = UBUNTU + textwrap.dedent("""\
        steps:
        - task: Cache@2
          inputs:
            key: '"docker" | "$(Agent.OS)" | ./Dockerfile'
            restoreKeys: '"docker" | "$(Agent.OS)"'
            path: $(Pipeline.Workspace)/docker_cache
            cacheHitVar: DOCKER_CACHE_HIT
        - script: >-
            docker buildx build --builder b
            --cache-from=type=local,src=$(Pipeline.Workspace)/docker_cache
            --cache-to=type=local,dest=$(Pipeline.Workspace)/docker_cache-new,mode=max
            --load -t app .
        - script: echo exact hit, skipping the warm-up
          condition: eq(variables.DOCKER_CACHE_HIT, 'true')
        """)
    run = fix(tmp_path, {"Dockerfile": "FROM alpine\n", "azure-pipelines.yml": pipeline})
    for f in ll(run, "LL301"):
        assert (f.get("fix") or {}).get("applicability") != "safe"
    key = '"docker" | "$(Agent.OS)" | ./Dockerfile'
    assert f"key: '{key}'" in fixed(run), "the key the consumer depends on is kept"


# --------------------------------------------------------------------------------- item 11
def test_item11_docker_build_task_keeps_its_registry_login(tmp_path: Path) -> None:
    run = fix(tmp_path, {"Dockerfile": "FROM myreg.azurecr.io/base:1\n",
                         "azure-pipelines.yml": UBUNTU + textwrap.dedent("""\
        steps:
        - task: Docker@2
          inputs:
            command: build
            containerRegistry: my-acr-connection
            repository: app
            Dockerfile: ./Dockerfile
            tags: $(Build.BuildId)
        """)})
    offered = [f for f in ll(run, "LL102") if (f.get("fix") or {}).get("applicability") == "safe"]
    if offered:   # fixed: the login the task did must still happen before the build
        doc = load_yaml(fixed(run))
        logins = [s for s in doc["steps"] if str(s.get("task", "")).lower().startswith("docker@")
                  and str((s.get("inputs") or {}).get("command", "")).lower() == "login"]
        assert len(logins) == 1
        assert (logins[0]["inputs"].get("containerRegistry") == "my-acr-connection")
    no_failures(check_findings(run))


def test_item11_buildandpush_fix_logs_in_once_per_job(tmp_path: Path) -> None:
    steps = "".join(
        f"- task: Docker@2\n  inputs:\n    containerRegistry: my-acr-connection\n"
        f"    repository: app{i}\n    Dockerfile: ./Dockerfile\n    tags: $(Build.BuildId)\n"
        for i in range(3))
    run = fix(tmp_path, {
        "Dockerfile": "FROM alpine\n",
        ".layerlint.toml": '[registries]\n"my-acr-connection" = "myreg.azurecr.io"\n',
        "azure-pipelines.yml": UBUNTU + "steps:\n" + steps},
        unsafe=True, isolated=False)
    if not run.changed:
        pytest.skip(f"buildAndPush fix not offered: {run.findings_before} {run.fix_output}")
    doc = load_yaml(fixed(run))
    logins = [s for s in doc["steps"] if str(s.get("task", "")).lower().startswith("docker@")
              and str((s.get("inputs") or {}).get("command", "")).lower() == "login"]
    assert len(logins) == 1, f"{len(logins)} identical logins in one job"


# --------------------------------------------------------------------------------- item 12
def test_item12_steps_in_extends_parameters_fixed_or_reported_without_fix(
        tmp_path: Path) -> None:
    run = fix(tmp_path, {
        "Dockerfile": "FROM alpine\n",
        "templates/pipeline.yml": """\
        parameters:
        - name: buildSteps
          type: stepList
          default: []
        jobs:
        - job: build
          pool: {vmImage: ubuntu-latest}
          steps:
          - ${{ parameters.buildSteps }}
        """,
        "azure-pipelines.yml": """\
        trigger: [main]
        extends:
          template: templates/pipeline.yml
          parameters:
            buildSteps:
            - script: docker build -t myapp .
              displayName: Build
        """})
    assert "please report" not in run.fix_output
    no_failures(check_findings(run), check_shell(run), check_args(run))


def test_every_check_runs_on_an_item(tmp_path: Path) -> None:
    """The item fixtures reach every check (a smoke test of the harness entry point)."""
    run = fix(tmp_path, {"Dockerfile": "FROM alpine\n", "azure-pipelines.yml": UBUNTU +
                         "steps:\n- script: docker build -t myapp .\n"})
    for check in CHECKS.values():
        check(run)
