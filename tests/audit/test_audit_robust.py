"""An audit finishes whatever happens to one repository: a worker process that dies (a
crash in the C parser, an out-of-memory kill) fails that repository only."""

from __future__ import annotations

import faulthandler
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import UNCACHED, audit, load, write_repo

from layerlint.audit import runner

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers inherit the hook by fork")


def _crash_in(monkeypatch: pytest.MonkeyPatch, how: dict[str, Any]) -> None:
    """Workers (forked after this) die while linting the repositories named in ``how``."""
    real = runner._lint

    def hook(root: Path, extra: list[str], options: runner.Options,
             links: tuple[runner.Link, ...] = ()) -> dict[str, Any]:
        action = how.get(root.name)
        if action == "exit":
            os._exit(3)
        if action is not None:
            faulthandler.disable()  # pytest's, inherited: no traceback dump on SIGSEGV
            os.kill(os.getpid(), action)
        return real(root, extra, options, links)

    monkeypatch.setattr(runner, "_lint", hook)


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_a_crashing_worker_fails_only_its_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    repos = [write_repo(tmp_path / f"r{i}", {"azure-pipelines.yml": UNCACHED})
             for i in range(8)]
    _crash_in(monkeypatch, {"r1": signal.SIGKILL, "r4": signal.SIGSEGV, "r6": "exit"})
    out = tmp_path / "a.json"
    run = audit(*repos, "--json", out, "--no-cache", "--cache-dir", tmp_path / "c", "-q",
                "--jobs", jobs)
    assert run.code == 1
    errors = {r["name"]: r["error"] for r in load(out)["repositories"]}
    assert errors == {"r0": None, "r1": "worker crashed: killed by SIGKILL", "r2": None,
                      "r3": None, "r4": "worker crashed: killed by SIGSEGV", "r5": None,
                      "r6": "worker crashed: exit status 3", "r7": None}
    findings = {r["name"]: [f["code"] for f in r["findings"]]
                for r in load(out)["repositories"]}
    assert all(findings[f"r{i}"] == ["LL101"] for i in (0, 2, 3, 5, 7))


def test_every_worker_crashing_still_finishes(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    repos = [write_repo(tmp_path / f"r{i}", {"azure-pipelines.yml": UNCACHED})
             for i in range(5)]
    _crash_in(monkeypatch, {f"r{i}": signal.SIGKILL for i in range(5)})
    out = tmp_path / "a.json"
    run = audit(*repos, "--json", out, "--no-cache", "--cache-dir", tmp_path / "c",
                "--jobs", "2", "--no-progress")
    assert run.code == 1 and "Traceback" not in run.err
    assert {r["error"] for r in load(out)["repositories"]} == {
        "worker crashed: killed by SIGKILL"}
    assert load(out)["totals"]["repositories"] == 5


def test_crash_reason() -> None:
    assert runner.crash_reason(-9) == "worker crashed: killed by SIGKILL"
    assert runner.crash_reason(1) == "worker crashed: exit status 1"
    assert runner.crash_reason(-200) == "worker crashed: killed by signal 200"


# -- the cache is capped ------------------------------------------------------------------


def _entry(cache: Path, name: str, size: int, age_days: float, now: float) -> Path:
    path = cache / "results" / name[:2] / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"{}".ljust(size))
    os.utime(path, (now - age_days * 86400, now - age_days * 86400))
    return path


def test_prune_by_age_then_least_recently_used(tmp_path: Path) -> None:
    now = 1_700_000_000.0
    cache = tmp_path / "cache"
    mb = 1024 * 1024
    old = _entry(cache, "aa-old", 1000, 40, now)
    used = [_entry(cache, f"b{i}-used", mb, i, now) for i in range(5)]  # b0 most recent
    tmp = cache / "results" / "cc" / "x.tmp"
    tmp.parent.mkdir(parents=True)
    tmp.write_text("")
    os.utime(tmp, (now - 7200, now - 7200))
    clone = cache / "clones" / "web-123"
    (clone / ".git").mkdir(parents=True)
    os.utime(clone, (now - 31 * 86400, now - 31 * 86400))
    fresh_clone = cache / "clones" / "api-456"
    fresh_clone.mkdir(parents=True)
    os.utime(fresh_clone, (now - 86400, now - 86400))

    pruned = runner.prune(cache, 30, 3.5, now=now)
    assert not old.exists() and not tmp.exists()
    assert [p.exists() for p in used] == [True, True, True, False, False]
    assert not clone.exists() and fresh_clone.exists()
    assert pruned == runner.Pruned(results=4, clones=1, kept_bytes=3 * mb)
    # 0 is no limit
    assert runner.prune(cache, 0, 0, now=now + 1e9) == runner.Pruned(0, 0, 3 * mb)


def test_audit_prunes_its_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repos = [write_repo(tmp_path / f"r{i}", {"azure-pipelines.yml": UNCACHED + f"# {i}\n"})
             for i in range(3)]
    cache = tmp_path / "cache"
    monkeypatch.chdir(tmp_path)
    assert audit(*repos, "--cache-dir", cache, "-q", "-j", "1").code == 1
    results = sorted((cache / "results").rglob("*.json"))
    assert len(results) == 3
    for path in results:  # last used 10 days ago
        os.utime(path, (path.stat().st_mtime - 10 * 86400,) * 2)
    # a cache hit counts as a use: the entry survives a 5-day limit
    assert audit(repos[0], "--cache-dir", cache, "-q", "--cache-max-age", "5").code == 1
    assert len(list((cache / "results").rglob("*.json"))) == 1
    # the configuration's audit table, overridden by the command line
    (tmp_path / ".layerlint.toml").write_text("[audit]\ncache-max-size = 0.000001\n")
    assert audit(repos[1], "--cache-dir", cache, "-q", "--cache-max-size", "1").code == 1
    assert len(list((cache / "results").rglob("*.json"))) == 2
    assert audit(repos[1], "--cache-dir", cache, "-q").code == 1
    assert list((cache / "results").rglob("*.json")) == []
    (tmp_path / ".layerlint.toml").write_text("[audit]\ncache-max-age = -1\n")
    run = audit(repos[1], "--cache-dir", cache, "-q")
    assert run.code == 2 and "cache-max-age" in run.err
    run = audit(repos[1], "--cache-dir", cache, "-q", "--cache-max-size", "lots")
    assert run.code == 2 and "not a number" in run.err


def test_help_prints_the_cache_limits() -> None:
    text = audit("--help").out
    assert "--cache-max-age DAYS" in text and "default 30" in text
    assert "--cache-max-size MB" in text and "default 256" in text
