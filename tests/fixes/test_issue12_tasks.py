"""Issue 12: the LL102 fix for what real pipelines use: Docker@0/1/2 tasks, with the login
server read from the pipeline, macros in the Dockerfile path, one login per job and
registry, conditions and env carried. Each case runs ``--fix`` on a temporary checkout
and judges the result with the fix-safety checks plus the case's own property."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fixsafety.checks import CHECKS, RepoRun
from fixsafety.pipelines import load_yaml
from test_issue10_items import UBUNTU, fix, fixed, ll, no_failures

DOCKERFILE = {"Dockerfile": "FROM alpine:3.20\n", "svc/Dockerfile": "FROM alpine:3.20\n"}


def pipe(text: str) -> str:
    return UBUNTU + textwrap.dedent(text)


def all_checks(run: RepoRun) -> None:
    no_failures(*(check(run) for check in CHECKS.values()))


def steps(run: RepoRun, name: str = "azure-pipelines.yml") -> list[dict]:  # type: ignore[type-arg]
    return list(load_yaml(fixed(run, name))["steps"])


def script_of(run: RepoRun) -> str:
    return next(str(s["script"]) for s in steps(run) if "script" in s)


def logins(run: RepoRun) -> list[dict]:  # type: ignore[type-arg]
    return [s for s in steps(run) if str(s.get("task", "")).lower().startswith("docker@")
            and str((s.get("inputs") or {}).get("command", "")).lower() == "login"]


def applicability(run: RepoRun) -> list[str | None]:
    return [(f.get("fix") or {}).get("applicability") for f in ll(run, "LL102")]


# ------------------------------------------------------------------ item 1: login server
def test_acr_starter_pipeline_uses_the_declared_login_server(tmp_path: Path) -> None:
    """The Azure "build and push to ACR" starter: the login server is a variable next to
    the connection; the fix is unsafe and says which value it used and how to pin it."""
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe("""\
        variables:
          dockerRegistryServiceConnection: '6f0a3e1c-1111-2222-3333-444455556666'
          imageRepository: 'myapp'
          containerRegistry: 'contoso.azurecr.io'
          dockerfilePath: '$(Build.SourcesDirectory)/Dockerfile'
          tag: '$(Build.BuildId)'
        steps:
        - task: Docker@2
          displayName: Build and push an image to container registry
          inputs:
            command: buildAndPush
            repository: $(imageRepository)
            dockerfile: $(dockerfilePath)
            containerRegistry: $(dockerRegistryServiceConnection)
            tags: |
              $(tag)
        """)}, unsafe=True)
    [finding] = ll(run, "LL102")
    assert finding["fix"]["applicability"] == "unsafe"
    assert "'contoso.azurecr.io'" in finding["fix"]["title"]
    assert "`registries`" in finding["fix"]["title"]
    script = script_of(run)
    assert '-t "contoso.azurecr.io/$(lower "$(imageRepository)")":$(tag)' in script
    assert "--push" in script and "-f $(dockerfilePath)" in script  # macro kept verbatim
    assert [s["inputs"]["containerRegistry"] for s in logins(run)] == [
        "$(dockerRegistryServiceConnection)"]
    key = next(s for s in steps(run) if s.get("task") == "Cache@2")["inputs"]["key"]
    assert "dockerfilePath" not in key  # a macro path is left out of the key, not guessed
    all_checks(run)


def test_connection_named_after_docker_hub_keeps_bare_repository(tmp_path: Path) -> None:
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe("""\
        steps:
        - task: Docker@2
          inputs:
            containerRegistry: 'Docker Hub'
            repository: 'team/api'
            Dockerfile: '**/svc/Dockerfile'
            buildContext: '.'
            tags: latest
        """)}, unsafe=True)
    assert "-t team/api:latest" in script_of(run) and "-f svc/Dockerfile" in script_of(run)
    all_checks(run)


def test_unknown_connection_reads_the_server_at_run_time(tmp_path: Path) -> None:
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe("""\
        steps:
        - task: Docker@2
          inputs:
            command: build
            containerRegistry: prod-connection
            repository: api
            Dockerfile: Dockerfile
        - task: Docker@2
          inputs:
            command: push
            containerRegistry: prod-connection
            repository: api
        """)}, unsafe=True)
    assert applicability(run) == ["unsafe"]
    script = script_of(run)
    assert "DOCKER_CONFIG" in script and '-t "${prefix}api:$(Build.BuildId)"' in script
    all_checks(run)


# ------------------------------------------------------------------ item 2: Docker@0/1
def test_docker1_build_maps_its_inputs(tmp_path: Path) -> None:
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe("""\
        steps:
        - task: Docker@1
          displayName: Build image
          inputs:
            dockerFile: svc/Dockerfile
            arguments: '--build-arg DISTRO=$(Distro)'
            imageName: 'Team/API:$(Build.BuildId)'
            includeLatestTag: true
        """)})
    assert applicability(run) == ["safe"]
    script = script_of(run)
    # enforceDockerNamingConvention lower-cases the whole name; latest is the bare name
    assert '-t "$(lower "Team/API:$(Build.BuildId)")"' in script
    assert "-t team/api \\" in script and "--build-arg DISTRO=$(Distro)" in script
    assert script.rstrip().split("\n")[-5].strip() == "svc"  # default context: its dir
    all_checks(run)


def test_docker1_azure_container_registry_prefixes_and_logs_in(tmp_path: Path) -> None:
    acr = '{"loginServer":"contoso.azurecr.io", "id" : "/subscriptions/x/registries/contoso"}'
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe(f"""\
        steps:
        - task: Docker@1
          inputs:
            command: Build an image
            azureSubscriptionEndpoint: my-subscription
            azureContainerRegistry: '{acr}'
            dockerFile: Dockerfile
            imageName: api:1
        """)})
    assert applicability(run) == ["safe"]  # the task spells the login server out
    assert "-t contoso.azurecr.io/api:1" in script_of(run)
    [login] = logins(run)
    assert login["task"] == "Docker@1"
    assert login["inputs"]["azureSubscriptionEndpoint"] == "my-subscription"
    all_checks(run)


def test_docker0_build_arguments_and_additional_tags(tmp_path: Path) -> None:
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe("""\
        steps:
        - task: Docker@0
          inputs:
            dockerFile: Dockerfile
            imageName: api:1
            buildArguments: |
              A=1
              B=two words
            additionalImageTags: |
              stable
        """)})
    script = script_of(run)
    assert "--build-arg A=1" in script and "--build-arg 'B=two words'" in script
    assert "-t api:stable" in script
    all_checks(run)


def test_docker1_inputs_the_fix_cannot_reproduce_say_why(tmp_path: Path) -> None:
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe("""\
        steps:
        - task: Docker@1
          inputs:
            dockerFile: Dockerfile
            includeSourceTags: true
        """)})
    [finding] = ll(run, "LL102")
    assert finding["fix"] is None and "includeSourceTags" in finding["no_fix"]


# ------------------------------------------------------------------ items 4 and 5
def test_three_builds_with_one_registry_log_in_once(tmp_path: Path) -> None:
    tasks = "".join(textwrap.dedent(f"""\
        - task: Docker@2
          inputs:
            command: build
            containerRegistry: contoso.azurecr.io
            repository: app{i}
            Dockerfile: Dockerfile
        """) for i in range(3))
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe(
        "steps:\n" + tasks)}, unsafe=True)
    assert applicability(run) == ["unsafe"] * 3
    assert len(logins(run)) == 1
    assert fixed(run).index("command: login") < fixed(run).index("docker buildx build")
    all_checks(run)


def test_condition_and_env_are_carried(tmp_path: Path) -> None:
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe("""\
        steps:
        - task: Docker@2
          displayName: Build
          condition: eq(variables.IsBranchDeployable, true)
          inputs:
            command: build
            containerRegistry: contoso.azurecr.io
            repository: app
            Dockerfile: Dockerfile
          env:
            DOCKER_BUILDKIT: 1
        """)}, unsafe=True)
    new = steps(run)
    assert len(new) == 3  # login, Cache@2, the build
    assert all(s["condition"] == "eq(variables.IsBranchDeployable, true)" for s in new)
    assert "env" in new[2] and all("env" not in s for s in new[:2])
    all_checks(run)


def test_login_of_a_differently_conditioned_build_is_not_reused(tmp_path: Path) -> None:
    build = textwrap.dedent("""\
        - task: Docker@2
          {condition}inputs:
            command: build
            containerRegistry: contoso.azurecr.io
            repository: {name}
            Dockerfile: Dockerfile
        """)
    run = fix(tmp_path, {**DOCKERFILE, "azure-pipelines.yml": pipe(
        "steps:\n" + build.format(condition="condition: eq(variables.a, 'x')\n  ",
                                  name="a") + build.format(condition="", name="b"))},
              unsafe=True)
    assert applicability(run) == ["unsafe", "unsafe"]
    assert len(logins(run)) == 2  # the first login is skipped whenever the first build is
    all_checks(run)
