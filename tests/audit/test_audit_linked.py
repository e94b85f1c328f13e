"""Templates of other repositories of the audit: ``- template: x.yml@alias``, where
``resources.repositories`` names a repository that is audited too, is followed into it, so
an organisation's audit sees the builds that live in shared template repositories."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import (
    CACHED,
    UNCACHED,
    FakeRepo,
    audit,
    fake_azure,
    git_commit,
    load,
    write_repo,
)

from layerlint.audit.model import RepoSpec
from layerlint.audit.runner import match_repository

SHARED_BUILD = "steps:\n- script: docker build -t api .\n"


def caller(name: str, alias: str = "templates", path: str = "docker/build.yml") -> str:
    return ("resources:\n  repositories:\n"
            f"  - repository: {alias}\n    type: git\n    name: {name}\n"
            f"steps:\n- template: {path}@{alias}\n")


def _repos(tmp_path: Path) -> tuple[Path, Path]:
    app = write_repo(tmp_path / "app", {"azure-pipelines.yml": caller("Platform/shared")})
    shared = write_repo(tmp_path / "shared", {"docker/build.yml": SHARED_BUILD})
    return app, shared


def _by_name(path: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return {r["name"]: r for r in load(path)["repositories"]}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_template_of_another_audited_repository_is_followed(tmp_path: Path,
                                                               jobs: str) -> None:
    app, shared = _repos(tmp_path)
    out = tmp_path / "out.json"
    assert audit(app, shared, "--json", out, "--cache-dir", tmp_path / "c", "-q", "-j",
                 jobs).code == 1
    repo = _by_name(out)["app"]
    assert [(b["path"], b["line"], b["command"], b["cached"]) for b in repo["builds"]] == [
        ("docker/build.yml@templates", 2, "docker build", False)]
    [finding] = repo["findings"]
    assert (finding["code"], finding["path"], finding["line"]) == (
        "LL101", "azure-pipelines.yml", 7)
    assert "docker/build.yml@templates:2" in finding["message"]

    # alone, the alias is not followed: noted, no build
    alone = tmp_path / "alone.json"
    audit(app, "--json", alone, "--cache-dir", tmp_path / "c", "-q", "-j", jobs)
    repo = _by_name(alone)["app"]
    assert repo["builds"] == [] and [(f["code"], f["severity"]) for f in repo["findings"]] == [
        ("LL002", "info")]


def test_a_change_in_the_template_repository_is_seen(tmp_path: Path) -> None:
    app, shared = _repos(tmp_path)
    out = tmp_path / "out.json"
    audit(app, shared, "--json", out, "--cache-dir", tmp_path / "c", "-q", "-j", "2")
    assert [f["code"] for f in _by_name(out)["app"]["findings"]] == ["LL101"]
    (shared / "docker" / "build.yml").write_text(CACHED)  # the result cache must not hide it
    run = audit(app, shared, "--json", out, "--cache-dir", tmp_path / "c", "-j", "2")
    app_report = _by_name(out)["app"]
    assert [f["code"] for f in app_report["findings"] if f["severity"] != "info"] == []
    assert [b["cached"] for b in app_report["builds"]] == [True]
    assert "2/2 repositories" in run.err  # each repository counted once
    # unchanged: everything from the cache
    run = audit(app, shared, "--json", tmp_path / "again.json", "--cache-dir", tmp_path / "c",
                "-j", "2")
    assert "(2 cached)" in run.err and load(tmp_path / "again.json") == load(out)


def test_git_urls_and_shards(tmp_path: Path) -> None:
    app = git_commit(tmp_path / "src" / "app",
                     {"azure-pipelines.yml": caller("contoso/shared-templates")})
    shared = git_commit(tmp_path / "src" / "shared-templates",
                        {"docker/build.yml": SHARED_BUILD})
    other = git_commit(tmp_path / "src" / "other", {"ci.yml": UNCACHED})
    repos = tmp_path / "repos.txt"
    repos.write_text(f"{app}\n{shared}\n{other}\n")
    full = tmp_path / "full.json"
    audit("--repos", repos, "--json", full, "--cache-dir", tmp_path / "c", "-q", "-j", "2")
    assert [b["path"] for b in _by_name(full)["app"]["builds"]] == [
        "docker/build.yml@templates"]
    # each shard resolves against the whole list, even when the template repository is in
    # another shard: the merged result equals the full run
    parts = []
    for i in (1, 2, 3):
        part = tmp_path / f"part{i}.json"
        audit("--repos", repos, "--shard", f"{i}/3", "--json", part, "--cache-dir",
              tmp_path / f"c{i}", "-q")
        parts.append(part)
    merged = tmp_path / "merged.json"
    assert audit("merge", merged, *parts, "-q").code == 1
    assert load(merged)["repositories"] == load(full)["repositories"]


def test_azure_devops_organisation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", "s3cr3t-pat")
    org = {
        "Web": [FakeRepo("shop", {"azure-pipelines.yml": caller("Platform/pipeline-templates")},
                         pipelines=["azure-pipelines.yml"]),
                FakeRepo("cart", {"azure-pipelines.yml": caller("helpers")}),
                FakeRepo("helpers", {"docker/build.yml": CACHED})],
        "Platform": [FakeRepo("pipeline-templates", {"docker/build.yml": SHARED_BUILD})],
    }
    out = tmp_path / "out.json"
    with fake_azure(org) as server:
        assert audit("--azure-devops", server.org_url, "--json", out, "--cache-dir",
                     tmp_path / "c", "-q", "-j", "2").code == 1
    repos = _by_name(out)
    assert [(b["path"], b["cached"]) for b in repos["Web/shop"]["builds"]] == [
        ("docker/build.yml@templates", False)]
    assert [f["code"] for f in repos["Web/shop"]["findings"]] == ["LL101"]
    # a name without a project is a repository of the same project
    assert [(b["path"], b["cached"]) for b in repos["Web/cart"]["builds"]] == [
        ("docker/build.yml@templates", True)]


def test_matching_names() -> None:
    def spec(name: str, kind: str = "local", source: str = "") -> RepoSpec:
        return RepoSpec(name, source or f"/src/{name}", kind, source or f"/src/{name}")  # type: ignore[arg-type]

    web_app = spec("Web/app", "azure", "https://dev.azure.com/o/Web/_git/app")
    universe = [web_app, spec("Web/templates", "azure", "https://dev.azure.com/o/Web/_git/t"),
                spec("Platform/templates", "azure", "https://dev.azure.com/o/Platform/_git/t"),
                spec("tools"), spec("lib", "git", "https://github.com/contoso/lib.git"),
                spec("lib", "git", "https://github.com/fabrikam/lib.git")]
    assert match_repository("Platform/templates", web_app, universe) is universe[2]
    assert match_repository("templates", web_app, universe) is universe[1]
    assert match_repository("platform/TEMPLATES", web_app, universe) is universe[2]
    assert match_repository("contoso/tools", web_app, universe) is universe[3]
    assert match_repository("fabrikam/lib", web_app, universe) is universe[5]
    assert match_repository("lib", web_app, universe) is None  # two of them
    assert match_repository("Web/app", web_app, universe) is None  # itself
    assert match_repository("nothing", web_app, universe) is None
