"""Issue 12, compose (LL103): ``docker compose build`` / ``docker-compose build`` become
``docker buildx bake`` over the same compose files with a local cache per service, where
bake provably builds what compose built; everywhere else no fix (or an unsafe one), with the
reason. Each case runs ``--fix`` on a temporary checkout and is judged by the fix-safety
checks (the docker stub fails compose builds and bake in FAIL mode) plus its own property."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from fixsafety.checks import CHECKS, RepoRun, compare_compose_bake
from fixsafety.pipelines import load_yaml
from test_issue10_items import UBUNTU, fix, fixed, ll, no_failures

COMPOSE = """\
services:
  api:
    image: contoso/api:${TAG:-latest}
    build:
      context: ./api
      args:
        BASE: alpine:3.20
  web:
    image: contoso/web
    build: ./web
  db:
    image: postgres:16
"""
FILES = {"api/Dockerfile": "ARG BASE\nFROM $BASE\n", "web/Dockerfile": "FROM node:20\n",
         "docker-compose.yml": COMPOSE}


def pipe(text: str) -> str:
    return UBUNTU + textwrap.dedent(text)


def all_checks(run: RepoRun) -> None:
    no_failures(*(check(run) for check in CHECKS.values()))


def steps(run: RepoRun) -> list[dict]:  # type: ignore[type-arg]
    doc = load_yaml(fixed(run))
    if "steps" in doc:
        return list(doc["steps"])
    return [s for job in doc["jobs"] for s in job["steps"]]


def finding(run: RepoRun) -> dict:  # type: ignore[type-arg]
    [f] = ll(run, "LL103")
    return f


def caches(run: RepoRun) -> list[dict]:  # type: ignore[type-arg]
    return [s for s in steps(run) if s.get("task") == "Cache@2"]


def test_compose_build_becomes_bake_with_a_cache_per_service(tmp_path: Path) -> None:
    run = fix(tmp_path, {**FILES, "azure-pipelines.yml": pipe("""\
        steps:
        - script: |
            set -e
            docker compose build --pull --build-arg VERSION=$(Build.BuildId)
            docker compose push
          displayName: Build
          condition: succeeded()
        """)})
    assert finding(run)["fix"]["applicability"] == "safe"
    text = fixed(run)
    assert "docker compose build" not in text
    assert "docker buildx bake --builder layerlint \\\n      -f docker-compose.yml" in text
    assert "--set '*.args.'VERSION=$(Build.BuildId)" in text
    assert ("--set 'web.cache-to=type=local,dest=$(Pipeline.Workspace)/docker_cache/"
            "compose-web-new,mode=max'") in text
    for service in ("api", "web"):
        assert f"{service}.cache-from=type=local,src=" in text
    assert "db.cache" not in text  # no build section: nothing to cache
    assert [c["inputs"]["path"] for c in caches(run)] == [
        "$(Pipeline.Workspace)/docker_cache/compose-api",
        "$(Pipeline.Workspace)/docker_cache/compose-web"]
    assert all(c["condition"] == "succeeded()" for c in caches(run))
    assert "docker compose push" in text  # the rest of the script is untouched
    assert not ll(run, "LL103", after=True)
    all_checks(run)


def test_docker_compose_v1_with_files_services_and_mapped_flags(tmp_path: Path) -> None:
    run = fix(tmp_path, {**FILES, "azure-pipelines.yml": pipe("""\
        steps:
        - bash: docker-compose -f docker-compose.yml -p shop build --parallel -q api web
        """)})
    text = fixed(run)
    assert "docker buildx bake -f docker-compose.yml" in text
    assert "--progress=quiet" in text and "--parallel" not in text and "-p shop" not in text
    assert text.rstrip().splitlines()[-1] != ""  # rotation step after
    all_checks(run)


def test_compose_file_in_a_subdirectory_gets_its_contexts_rebased(tmp_path: Path) -> None:
    """bake resolves `context` against its working directory (docker/buildx#1028)."""
    run = fix(tmp_path, {"src/api/Dockerfile": "FROM alpine:3.20\n",
                         "src/docker-compose.yml": "services:\n  api:\n    image: a/api\n"
                                                   "    build: ./api\n",
                         "azure-pipelines.yml": pipe("""\
        steps:
        - script: docker compose -f src/docker-compose.yml build api
        """)})
    text = fixed(run)
    assert "--set api.context=src/api" in text
    key = caches(run)[0]["inputs"]["key"]
    assert "src/api/Dockerfile" in key
    all_checks(run)


def test_two_jobs_and_a_matrix_get_their_own_keys(tmp_path: Path) -> None:
    run = fix(tmp_path, {**FILES, "azure-pipelines.yml": pipe("""\
        jobs:
        - job: a
          steps:
          - script: docker compose build api
        - job: b
          strategy:
            matrix:
              one: {X: 1}
              two: {X: 2}
          steps:
          - script: docker compose build api
        """)})
    assert len(ll(run, "LL103")) == 2 and not ll(run, "LL103", after=True)
    all_checks(run)


def test_failed_compose_build_still_fails_the_script(tmp_path: Path) -> None:
    """`set -e` and a command after it: the bake command stays a simple command in place."""
    run = fix(tmp_path, {**FILES, "azure-pipelines.yml": pipe("""\
        steps:
        - script: |
            docker compose build \\
              api
            if ! docker-compose build web; then echo failed; exit 3; fi
            echo done
        """)})
    assert len(ll(run, "LL103")) == 2
    assert not ll(run, "LL103", after=True)
    all_checks(run)


@pytest.mark.parametrize(("command", "compose", "reason"), [
    ("docker compose build --no-cache", COMPOSE, "--no-cache on purpose"),
    ("docker compose up -d --build", COMPOSE, "`up --build`"),
    ("docker compose build --memory 1g", COMPOSE, "`--memory` is not mapped"),
    ("docker compose --env-file ci.env build", COMPOSE, "`--env-file`"),
    ("docker compose build --build-arg TOKEN", COMPOSE, "from the environment"),
    ("docker compose build", "services:\n  api:\n    build: ./api\n", "has no `image:`"),
    ("docker compose build",
     "services:\n  api:\n    image: a\n    build:\n      context: ./api\n"
     "      platforms: [linux/amd64, linux/arm64]\n", "`build.platforms`"),
    ("docker compose build",
     "services:\n  api:\n    image: a\n    profiles: [ci]\n    build: ./api\n", "profiles"),
    ("docker compose build",
     "services:\n  api:\n    image: a\n    extends: {file: base.yml, service: x}\n"
     "    build: ./api\n", "`extends`"),
    ("docker compose build",
     "services:\n  api.v1:\n    image: a\n    build: ./api\n", "bake renames"),
    ("docker compose build db", COMPOSE, "not a service with a `build:`"),
    ("docker compose -f missing.yml build", COMPOSE, "not in the repository"),
])
def test_no_fix_where_bake_would_differ(tmp_path: Path, command: str, compose: str,
                                        reason: str) -> None:
    run = fix(tmp_path, {**FILES, "docker-compose.yml": compose,
                         "azure-pipelines.yml": pipe(f"""\
        steps:
        - script: {command}
        """)}, unsafe=True)
    f = finding(run)
    assert not f.get("fix"), f
    assert reason in f["no_fix"], f["no_fix"]
    assert fixed(run) == (run.before / "azure-pipelines.yml").read_text(encoding="utf-8")
    all_checks(run)


def test_compose_file_with_merge_keys_and_a_bake_file_beside_it(tmp_path: Path) -> None:
    """`<<:` merge keys are applied; bake is given the compose file by name, so a
    `docker-bake.hcl` beside it is not read."""
    compose = ("x-build: &b\n  context: ./api\n"
               "services:\n  api:\n    image: a/api\n    build:\n      <<: *b\n"
               "      target: final\n")
    run = fix(tmp_path, {**FILES, "docker-compose.yml": compose,
                         "docker-bake.hcl": 'target "x" {}\n',
                         "azure-pipelines.yml": pipe("""\
        steps:
        - script: docker compose build
        """)})
    assert "docker buildx bake --builder layerlint -f docker-compose.yml" in fixed(run)
    assert "api/Dockerfile" in caches(run)[0]["inputs"]["key"]
    all_checks(run)


def test_no_compose_file_in_the_repository_means_no_fix(tmp_path: Path) -> None:
    run = fix(tmp_path, {"azure-pipelines.yml": pipe("""\
        steps:
        - script: docker compose build
        """)})
    assert "services are unknown" in finding(run)["no_fix"]


def test_dotenv_read_by_one_tool_only_means_no_fix(tmp_path: Path) -> None:
    run = fix(tmp_path, {"src/api/Dockerfile": "FROM alpine\n", "src/.env": "TAG=1\n",
                         "src/docker-compose.yml": "services:\n  api:\n    image: a:${TAG}\n"
                                                   "    build: ./api\n",
                         "azure-pipelines.yml": pipe("""\
        steps:
        - script: docker compose -f src/docker-compose.yml build
        """)})
    assert "`.env`" in finding(run)["no_fix"]


def test_service_built_from_another_services_image_is_unsafe(tmp_path: Path) -> None:
    compose = ("services:\n  base:\n    image: contoso/base\n    build: ./base\n"
               "  app:\n    image: contoso/app\n    build: ./app\n")
    files = {"base/Dockerfile": "FROM alpine\n", "app/Dockerfile": "FROM contoso/base\n",
             "docker-compose.yml": compose, "azure-pipelines.yml": pipe("""\
        steps:
        - script: docker compose build
        """)}
    safe = fix(tmp_path / "safe", files)
    assert finding(safe)["fix"]["applicability"] == "unsafe"
    assert "image of service `base`" in finding(safe)["fix"]["title"]
    assert "docker compose build" in fixed(safe)  # not applied without --unsafe-fixes
    unsafe = fix(tmp_path / "unsafe", files, unsafe=True)
    assert "buildx bake" in fixed(unsafe)


def test_services_from_a_template_parameter_are_unsafe(tmp_path: Path) -> None:
    run = fix(tmp_path, {**FILES, "azure-pipelines.yml": textwrap.dedent("""\
        parameters:
          services: ''
        jobs:
        - job: build
          pool:
            vmImage: ubuntu-latest
          steps:
          - bash: docker-compose -f docker-compose.yml build ${{ parameters.services }}
        """)}, unsafe=True)
    f = finding(run)
    assert f["fix"]["applicability"] == "unsafe"
    assert "${{ parameters.services }}" in fixed(run)
    assert "System.JobName" in caches(run)[0]["inputs"]["key"]  # a template: job identity
    all_checks(run)


def test_windows_job_and_tasks_get_no_fix(tmp_path: Path) -> None:
    run = fix(tmp_path, {**FILES, "azure-pipelines.yml": textwrap.dedent("""\
        jobs:
        - job: win
          pool:
            vmImage: windows-2022
          steps:
          - bash: docker compose build
        - job: task
          pool:
            vmImage: ubuntu-latest
          steps:
          - task: DockerCompose@0
            inputs:
              action: Build services
              dockerComposeFile: docker-compose.yml
              dockerRegistryEndpoint: reg
        """)}, unsafe=True)
    reasons = [f["no_fix"] for f in ll(run, "LL103")]
    assert "Windows or macOS" in reasons[0]
    assert "qualifies image names" in reasons[1]
    assert "project name" in reasons[1]


def _cmp(orig: str, new: str) -> str:
    return compare_compose_bake(orig.split(" "), new.split(" ")) or ""


def test_harness_maps_compose_flags_to_bake() -> None:
    assert not _cmp("docker compose build --pull --build-arg V=1 api",
                    "docker buildx bake --builder l --set api.cache-from=x --set api.cache-to=y "
                    "--load --pull --set *.args.V=1 api")
    assert "missing" in _cmp("docker compose build --pull api",
                             "docker buildx bake --builder l --load api")
    assert "services" in _cmp("docker compose build api web",
                              "docker buildx bake --builder l --load api")
    assert "not cache/builder" in _cmp("docker compose build",
                                       "docker buildx bake --builder l --load --set *.platform=x")
    assert "neither kept nor mapped" in _cmp("docker compose build --memory 1g",
                                             "docker buildx bake --builder l --load")
