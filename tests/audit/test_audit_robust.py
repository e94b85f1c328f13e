"""An audit finishes whatever happens to one repository: a worker process that dies (a
crash in the C parser, an out-of-memory kill) fails that repository only."""

from __future__ import annotations

import faulthandler
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from layerlint.audit import runner
from tests.audit.audit_helpers import UNCACHED, audit, load, write_repo

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers inherit the hook by fork")


def _crash_in(monkeypatch: pytest.MonkeyPatch, how: dict[str, Any]) -> None:
    """Workers (forked after this) die while linting the repositories named in ``how``."""
    real = runner._lint

    def hook(root: Path, extra: list[str], options: runner.Options) -> dict[str, Any]:
        action = how.get(root.name)
        if action == "exit":
            os._exit(3)
        if action is not None:
            faulthandler.disable()  # pytest's, inherited: no traceback dump on SIGSEGV
            os.kill(os.getpid(), action)
        return real(root, extra, options)

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
