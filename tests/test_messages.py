"""Messages must be true of the case at hand (issue 11, item 7)."""

from __future__ import annotations

from pathlib import Path

from test_templates import git_repo

from layerlint.engine import Engine
from layerlint.fixes.settings import FixSettings

from conftest import ROOT, run


def _messages(repo: Path, code: str) -> list[str]:
    return [f.message for f in run(["."], repo, {code}).findings]


def test_ll101_on_the_save_load_recipe_names_it_and_why_it_does_not_work(
        tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"azure-pipelines.yml": (
        "steps:\n- task: Cache@2\n  inputs:\n    key: 'docker | \"$(Agent.OS)\" | cache'\n"
        "    path: $(Pipeline.Workspace)/docker\n    cacheHitVar: CACHE_RESTORED\n"
        "- script: docker load -i $(Pipeline.Workspace)/docker/cache.tar\n"
        "  condition: eq(variables.CACHE_RESTORED, 'true')\n"
        "- script: docker build -t app:$(tag) .\n"
        "- script: |\n    mkdir -p $(Pipeline.Workspace)/docker\n"
        "    docker save -o $(Pipeline.Workspace)/docker/cache.tar app:$(tag)\n")})
    [message] = _messages(repo, "LL101")
    assert "`docker save`/`docker load` recipe" in message
    assert "inline cache metadata" in message and "--cache-from" in message
    # the same job with a Docker@2 build (the documented recipe itself): LL102 says so too
    text = (repo / "azure-pipelines.yml").read_text().replace(
        "- script: docker build -t app:$(tag) .\n",
        "- task: Docker@2\n  inputs:\n    command: build\n    repository: app\n")
    (repo / "azure-pipelines.yml").write_text(text)
    [message] = _messages(repo, "LL102")
    assert "`docker save`/`docker load` recipe" in message


def test_self_hosted_text_names_the_container_builder_not_the_daemon(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"azure-pipelines.yml": (
        "pool: build-agents\nsteps:\n- script: |\n"
        "    docker buildx inspect ci >/dev/null 2>&1 || docker buildx create --name ci\n"
        "    docker buildx build --builder ci -t app .\n"
        "    docker build -t other .\n")})
    on_builder, on_daemon = _messages(repo, "LL101")
    assert "the `ci` builder (a container on that agent) still holds the layers" in on_builder
    assert "daemon" not in on_builder
    assert "its daemon still has the layers" in on_daemon


def test_ll102_registries_hint_is_the_same_for_the_same_connection(tmp_path: Path) -> None:
    task = ("- task: Docker@2\n  inputs:\n    containerRegistry: myacr\n"
            "    repository: app\n    command: buildAndPush\n")
    repo = git_repo(tmp_path, {"azure-pipelines.yml": (
        "steps:\n" + task + task.replace("repository: app\n",
                                         "repository: app\n    Dockerfile: '**/Dockerfile'\n")),
        "a/Dockerfile": "FROM scratch\n", "b/Dockerfile": "FROM scratch\n"})
    messages = _messages(repo, "LL102")
    assert len(messages) == 2
    hint = ("a fix needs the service connection 'myacr' mapped to its login server under "
            "`registries`")
    assert all(hint in m for m in messages)
    engine = Engine({"LL102"}, cwd=repo)
    engine.fix_settings = FixSettings("inline", "x.yml", {"myacr": "myacr.azurecr.io"})
    assert not any("registries" in f.message for f in engine.run(["."]).findings)


def test_ll303_shows_template_parameters_as_written() -> None:
    path = ROOT / "tests/rules/ll303/bad/template_parameters.yml"
    [finding] = Engine({"LL303"}, cwd=path.parent).run([path.name]).findings
    assert '""' not in finding.message
    assert '`docker | "${{ parameters.prefix }}"`' in finding.message
