"""Local directories, --discover and --repos (paths and file:// clones), failures and exit
status, usage errors, progress."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from audit_helpers import (
    CACHED,
    NOT_PIPELINE,
    TEMPLATE,
    TEMPLATE_CALLER,
    UNCACHED,
    audit,
    git_commit,
    load,
    write_repo,
)

from layerlint.audit.model import RepoReport
from layerlint.audit.progress import Progress
from layerlint.audit.runner import Outcome


def test_local_directories(tmp_path: Path) -> None:
    a = write_repo(tmp_path / "a", {"azure-pipelines.yml": UNCACHED})
    b = write_repo(tmp_path / "b", {"ci/cached.yml": CACHED, "docker-compose.yml": NOT_PIPELINE})
    c = write_repo(tmp_path / "c", {".pipelines/main.yml": TEMPLATE_CALLER,
                                    ".pipelines/templates/build.yml": TEMPLATE})
    out = tmp_path / "audit.json"
    run = audit(a, b, c, tmp_path / "missing", "--json", out, "--cache-dir", tmp_path / "cache",
                "--jobs", "1")
    assert run.code == 1, run.err
    data = load(out)
    assert set(data) == {"version", "layerlint", "repositories", "totals"}
    assert data["version"] == 1
    repos = {r["name"]: r for r in data["repositories"]}
    assert [r["name"] for r in data["repositories"]] == ["a", "b", "c", "missing"]
    for repo in repos.values():
        assert set(repo) == {"name", "source", "files", "findings", "builds", "error"}
    assert repos["a"]["error"] is None
    assert [(f["code"], f["path"], f["line"]) for f in repos["a"]["findings"]] == [
        ("LL101", "azure-pipelines.yml", 2)]
    assert repos["a"]["files"] == [{"path": "azure-pipelines.yml", "status": "linted"}]
    assert {f["path"]: f["status"] for f in repos["b"]["files"]} == {
        "ci/cached.yml": "linted", "docker-compose.yml": "skipped"}
    assert [b["cached"] for b in repos["b"]["builds"]] == [True]
    assert not [f for f in repos["b"]["findings"] if f["code"].startswith("LL1")]
    # the template's build is found through the caller, reported in the template's file
    assert [(f["code"], f["path"]) for f in repos["c"]["findings"]] == [
        ("LL101", ".pipelines/templates/build.yml")]
    assert repos["missing"]["error"].startswith("no such directory")
    totals = data["totals"]
    assert totals["repositories"] == 4
    assert totals["files"] == 4
    assert totals["builds"] == 3 and totals["cached_builds"] == 1
    assert totals["by_rule"]["LL101"] == 2
    assert totals["findings"] == sum(totals["by_rule"].values())
    assert "missing: no such directory" in run.out


def test_exit_zero_when_clean(tmp_path: Path) -> None:
    clean = write_repo(tmp_path / "clean", {"compose.yml": NOT_PIPELINE})
    run = audit(clean, "--cache-dir", tmp_path / "cache", "--quiet")
    assert (run.code, run.out, run.err) == (0, "", "")
    assert audit(tmp_path / "gone", "--cache-dir", tmp_path / "c", "-q").code == 1
    assert audit(tmp_path / "gone", "--cache-dir", tmp_path / "c", "-q", "--exit-zero").code == 0


def test_discover_to_depth(tmp_path: Path) -> None:
    write_repo(tmp_path / "src" / "one", {"azure-pipelines.yml": UNCACHED})
    write_repo(tmp_path / "src" / "team" / "two", {"azure-pipelines.yml": UNCACHED})
    write_repo(tmp_path / "src" / "team" / "deep" / "er" / "three", {"a.yml": UNCACHED})
    write_repo(tmp_path / "src" / "one" / "vendored", {"b.yml": UNCACHED})  # inside a repo
    write_repo(tmp_path / "src" / "node_modules" / "x", {"c.yml": UNCACHED})
    out = tmp_path / "out.json"
    assert audit("--discover", tmp_path / "src", "--depth", "2", "--json", out, "-q",
                 "--cache-dir", tmp_path / "cache").code == 1
    assert [r["name"] for r in load(out)["repositories"]] == ["one", "two"]
    audit("--discover", tmp_path / "src", "--depth", "4", "--json", out, "-q",
          "--cache-dir", tmp_path / "cache")
    assert [r["name"] for r in load(out)["repositories"]] == ["one", "three", "two"]
    # "vendored" is part of "one": its file is one of one's files
    one = load(out)["repositories"][0]
    assert sorted(f["path"] for f in one["files"]) == ["azure-pipelines.yml", "vendored/b.yml"]


def test_repos_file_clones_and_refreshes(tmp_path: Path) -> None:
    url_a = git_commit(tmp_path / "origin" / "svc-a", {"azure-pipelines.yml": CACHED})
    url_b = git_commit(tmp_path / "origin" / "svc-b.git", {"ci.yml": UNCACHED})
    write_repo(tmp_path / "local" / "svc-c", {"pipeline.yml": UNCACHED})
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# services\n{url_a}\n\n{url_b}   # trailing comment\nlocal/svc-c\n"
                       f"{(tmp_path / 'origin' / 'nope').as_uri()}\n", encoding="utf-8")
    cache, out = tmp_path / "cache", tmp_path / "out.json"
    run = audit("--repos", listing, "--json", out, "--cache-dir", cache, "--jobs", "2")
    assert run.code == 1, run.err
    repos = {r["name"]: r for r in load(out)["repositories"]}
    assert sorted(repos) == ["nope", "svc-a", "svc-b", "svc-c"]
    assert repos["svc-a"]["source"] == url_a and repos["svc-a"]["error"] is None
    assert repos["svc-a"]["findings"] == [] or all(
        not f["code"].startswith("LL1") for f in repos["svc-a"]["findings"])
    assert [f["code"] for f in repos["svc-b"]["findings"]] == ["LL101"]
    assert repos["svc-c"]["source"] == str((tmp_path / "local" / "svc-c").resolve())
    assert repos["nope"]["error"].startswith("git clone failed:")
    clones = sorted(p.name for p in (cache / "clones").iterdir())
    assert len(clones) == 2 and all(not n.endswith(".tmp") for n in clones)
    # the next run refreshes the clones: a new commit upstream is seen
    git_commit(tmp_path / "origin" / "svc-a", {"azure-pipelines.yml": UNCACHED}, "regress")
    audit("--repos", listing, "--json", out, "--cache-dir", cache, "-q")
    repos = {r["name"]: r for r in load(out)["repositories"]}
    assert [f["code"] for f in repos["svc-a"]["findings"]] == ["LL101"]
    head = subprocess.run(["git", "-C", str(cache / "clones" / clones[0]), "log", "--oneline"],
                          capture_output=True, text=True, check=True).stdout
    assert "regress" in head


def test_usage_errors(tmp_path: Path) -> None:
    assert audit().code == 2
    assert "name repositories" in audit().err
    assert audit(tmp_path, "--shard", "3/2").code == 2
    assert audit(tmp_path, "--shard", "x").code == 2
    assert audit(tmp_path, "--project", "P").code == 2
    assert audit(tmp_path, "--jobs", "0").code == 2
    assert audit(tmp_path, "--select", "LL999").code == 2
    assert audit("--repos", tmp_path / "none.txt").code == 2
    assert audit("merge", tmp_path / "out.json").code == 2
    run = audit("--help")
    assert run.code == 0 and "--azure-devops" in run.out and "--shard" in run.out
    assert "PART.json" in audit("merge", "--help").out


def _outcome(name: str, files: int) -> Outcome:
    return Outcome(RepoReport(name, name), files, False)


def test_progress_plain_lines_and_bar() -> None:
    now = [0.0]
    plain = io.StringIO()
    progress = Progress(3, plain, tty=False, interval=5, clock=lambda: now[0])
    for i, name in enumerate(("a", "b", "c")):
        now[0] = 4.0 * (i + 1)
        progress.update(_outcome(name, 10))
    progress.finish()
    assert plain.getvalue().splitlines() == [
        "layerlint audit: 2/3 repositories, 20 files, 2 files/s, 8 s",
        "layerlint audit: 3/3 repositories, 30 files, 2 files/s, 12 s",
    ]
    tty = io.StringIO()
    bar = Progress(2, tty, tty=True, clock=lambda: now[0])
    now[0] += 1
    bar.update(_outcome("first-repository", 5))
    bar.finish()
    text = tty.getvalue()
    assert text.startswith("\r\x1b[K") and "1/2 repositories" in text
    assert "first-repository" in text and text.endswith("\n")
    assert all(len(part) <= 100 for part in text.split("\r\x1b[K"))
