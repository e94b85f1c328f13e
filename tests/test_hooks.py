"""``.pre-commit-hooks.yaml`` is tested like code: the real ``pre-commit try-repo`` runs this
checkout's hook in a temporary git repository (pre-commit builds the hook environment with
pip, the one network use the tests allow)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import ROOT

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def test_hook_definition() -> None:
    hooks = YAML(typ="safe").load(HOOKS.read_text())
    assert [h["id"] for h in hooks] == ["layerlint", "layerlint-fix"]
    check, fix = hooks
    assert check["entry"] == "layerlint check" and check["language"] == "python"
    assert fix["entry"] == "layerlint check --fix"
    # pipelines anywhere; layerlint skips the rest
    assert check["types"] == fix["types"] == ["yaml"]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit not installed")
@pytest.mark.parametrize(("hook", "files", "expected"), [
    ("layerlint-fix", {"azure-pipelines.yml": "trigger: none\nsteps:\n"
                       "- script: docker build -t app .\n"}, 1),
    ("layerlint", {"azure-pipelines.yml": "trigger: none\nsteps:\n"
                   "- script: docker build -t app .\n",
                   "docker-compose.yml": "services:\n  a:\n    image: x\n"}, 1),
    ("layerlint", {"azure-pipelines.yml": "trigger: none\nsteps:\n- script: echo hello\n",
                   ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n"}, 0),
])
def test_try_repo(tmp_path: Path, pre_commit_home: Path, hook: str, files: dict[str, str],
                  expected: int) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "add", "-A")
    proc = subprocess.run(
        ["pre-commit", "try-repo", str(ROOT), hook, "--all-files"],
        cwd=repo, capture_output=True, text=True, check=False, timeout=600,
        env={**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home)},
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == expected, output
    if hook == "layerlint-fix":  # rewritten: the hook fails and the file is fixed
        text = (repo / "azure-pipelines.yml").read_text()
        assert "--builder layerlint" in text and "Cache@2" in text
    elif expected:
        assert "azure-pipelines.yml:3:11: LL101" in output
    else:
        assert "Passed" in output
