"""--azure-devops against a loopback server answering with the REST API 7.1 shapes:
listing with paging, definitions' yamlFilename, templates through the Items API,
throttling with Retry-After, authentication failures, and the token kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import (
    CACHED,
    NOT_PIPELINE,
    TEMPLATE,
    TEMPLATE_CALLER,
    UNCACHED,
    FakeRepo,
    audit,
    fake_azure,
    load,
)

from layerlint.audit.azure_devops import AzureDevOpsError, Client, Token, token_from_env

PAT = "s3cr3t-pat"


def _org() -> dict[str, list[FakeRepo]]:
    return {
        "Web": [
            FakeRepo("shop", {"azure-pipelines.yml": TEMPLATE_CALLER,
                              "templates/build.yml": TEMPLATE,
                              "deploy/compose.yml": NOT_PIPELINE,
                              "README.md": "# shop\n"},
                     pipelines=["azure-pipelines.yml"]),
            # a definition's file that is not named *.yml is read because it is known
            FakeRepo("infra", {"ci/main.pipeline": UNCACHED, "ok.yml": CACHED},
                     pipelines=["/ci/main.pipeline"]),
            FakeRepo("empty", {}, branch=None),
            FakeRepo("archived", {"a.yml": UNCACHED}, disabled=True),
        ],
        "Data": [FakeRepo("etl", {"pipelines/etl.yaml": UNCACHED})],
    }


def test_organisation_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", PAT)
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN", raising=False)
    out = tmp_path / "out.json"
    with fake_azure(_org(), page=1) as server:
        run = audit("--azure-devops", server.org_url, "--json", out, "--cache-dir",
                    tmp_path / "cache", "--jobs", "2")
        # projects and definitions came page by page, following continuation tokens
        assert server.count("/_apis/projects") == 2
        assert server.count("continuationToken=1") >= 2
        assert all(auth.startswith("Basic ") for _, _, auth in server.requests)
        first = len(server.requests)
        # a second run lists again but downloads nothing: the object ids are unchanged
        again = audit("--azure-devops", server.org_url, "--json", tmp_path / "again.json",
                      "--cache-dir", tmp_path / "cache", "--jobs", "1", "-q")
        new = server.requests[first:]
        assert not [q for _, q, _ in new if q.get("includeContent")]
    assert run.code == 1, run.err
    assert again.code == 1 and load(tmp_path / "again.json") == load(out)
    data = load(out)
    repos = {r["name"]: r for r in data["repositories"]}
    assert sorted(repos) == ["Data/etl", "Web/empty", "Web/infra", "Web/shop"]
    shop = repos["Web/shop"]
    assert shop["source"] == f"{server.org_url}/Web/_git/shop"
    assert {f["path"]: f["status"] for f in shop["files"]} == {
        "azure-pipelines.yml": "linted", "templates/build.yml": "linted",
        "deploy/compose.yml": "skipped"}
    assert [(f["code"], f["path"]) for f in shop["findings"]] == [
        ("LL101", "templates/build.yml")]
    infra = repos["Web/infra"]
    assert ("LL101", "ci/main.pipeline") in [(f["code"], f["path"]) for f in infra["findings"]]
    assert [b["cached"] for b in infra["builds"] if b["path"] == "ok.yml"] == [True]
    assert repos["Web/empty"] == {"name": "Web/empty", "source": f"{server.org_url}/Web/_git/"
                                  "empty", "files": [], "findings": [], "builds": [],
                                  "error": None}
    assert PAT not in out.read_text() and PAT not in run.out + run.err


def test_one_project_and_throttling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", PAT)
    out = tmp_path / "out.json"
    with fake_azure(_org()) as server:
        server.throttle = {"/items": [(429, "1"), (503, "0")],
                           "/repositories": [(503, "0")]}
        run = audit("--azure-devops", server.org_url, "--project", "Data", "--json", out,
                    "--cache-dir", tmp_path / "cache", "--jobs", "1", "-q")
        assert server.count("/_apis/projects") == 0
    assert run.code == 1
    (etl,) = load(out)["repositories"]
    assert etl["name"] == "Data/etl" and etl["error"] is None
    assert [f["code"] for f in etl["findings"]] == ["LL101"]


def test_retry_after_is_honoured() -> None:
    waits: list[float] = []
    with fake_azure(_org()) as server:
        server.throttle = {"/_apis/projects": [(429, "1"), (503, "0"), (429, "")]}
        client = Client(server.org_url, Token("AZURE_DEVOPS_EXT_PAT", PAT), sleep=waits.append)
        assert client.projects() == ["Web", "Data"]
        assert waits == [1.0, 0.0, 4.0]  # no Retry-After: 2 ** attempt
        server.throttle = {"/_apis/projects": [(429, "0")] * 3}
        with pytest.raises(AzureDevOpsError, match="throttled"):
            Client(server.org_url, Token("AZURE_DEVOPS_EXT_PAT", PAT), retries=2,
                   sleep=waits.append).projects()


def test_authentication_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN", raising=False)
    out = tmp_path / "out.json"
    with fake_azure(_org(), forbidden=("Data",)) as server:
        monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", "wrong-token")
        run = audit("--azure-devops", server.org_url, "--json", out, "--cache-dir",
                    tmp_path / "cache", "-q")
        assert run.code == 1
        (failed,) = load(out)["repositories"]
        assert failed["name"] == "fabrikam" and failed["source"] == server.org_url
        assert "authentication failed (HTTP 401)" in failed["error"]
        assert "AZURE_DEVOPS_EXT_PAT was rejected" in failed["error"]
        assert "wrong-token" not in out.read_text()

        monkeypatch.delenv("AZURE_DEVOPS_EXT_PAT")
        audit("--azure-devops", server.org_url, "--json", out, "--cache-dir",
              tmp_path / "cache", "-q")
        assert "no token is set" in load(out)["repositories"][0]["error"]

        monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", PAT)
        run = audit("--azure-devops", server.org_url, "--project", "Data", "--project",
                    "Nope", "--json", out, "--cache-dir", tmp_path / "cache")
        repos = {r["name"]: r["error"] for r in load(out)["repositories"]}
        assert "access denied (HTTP 403)" in repos["Data"]
        assert "Code (Read)" in repos["Data"]
        assert "not found (HTTP 404)" in repos["Nope"] and "TF200016" in repos["Nope"]
        assert "failed (2)" in run.out


def test_token_from_environment() -> None:
    assert token_from_env({}) is None
    pat = token_from_env({"AZURE_DEVOPS_EXT_PAT": "p", "SYSTEM_ACCESSTOKEN": "s"})
    assert pat is not None and pat.header() == "Basic OnA="
    job = token_from_env({"SYSTEM_ACCESSTOKEN": "s"})
    assert job is not None and job.header() == "Bearer s"
    assert "s3" not in repr(Token("AZURE_DEVOPS_EXT_PAT", "s3cr3t"))
