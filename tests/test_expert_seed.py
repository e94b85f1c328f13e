"""The seed template (rules.md, "Where the pattern comes from") yields exactly LL207, LL301
and LL402, across every rule; its fixed form (rules.md, "The fixed form") yields nothing,
inside a checkout (so LL304 checks its key files) and outside one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from layerlint.engine import Engine

from conftest import ROOT

SEED = ROOT / "tests" / "fixtures" / "seed"
SEED_FIXED = ROOT / "tests" / "fixtures" / "seed_fixed"


def _copy(src: Path, dest: Path, checkout: bool) -> Path:
    shutil.copytree(src, dest)
    if checkout:
        (dest / ".git").mkdir()
    return dest


@pytest.mark.parametrize("checkout", [True, False])
def test_seed_yields_exactly_the_three_weaknesses(tmp_path: Path, checkout: bool) -> None:
    repo = _copy(SEED, tmp_path / "repo", checkout)
    findings = Engine(cwd=repo).run(["."]).findings
    assert sorted(f.code for f in findings) == ["LL207", "LL301", "LL402"]
    by_code = {f.code: f for f in findings}
    assert by_code["LL402"].severity == "info"  # Microsoft-hosted pool
    # the key never varies whatever the caller passes: the template's own problem, once
    assert by_code["LL301"].path == "templates.yaml"
    assert "in template" not in by_code["LL301"].message
    assert by_code["LL207"].path == "templates.yaml"
    assert "docker_cache" in by_code["LL207"].message


def test_seed_in_place() -> None:
    findings = Engine(cwd=SEED).run(["."]).findings
    assert sorted(f.code for f in findings) == ["LL207", "LL301", "LL402"]


@pytest.mark.parametrize("checkout", [True, False])
def test_fixed_seed_yields_nothing(tmp_path: Path, checkout: bool) -> None:
    repo = _copy(SEED_FIXED, tmp_path / "repo", checkout)
    assert Engine(cwd=repo).run(["."]).findings == []


def test_fixed_seed_without_its_dockerfile_fails_ll304(tmp_path: Path) -> None:
    repo = _copy(SEED_FIXED, tmp_path / "repo", True)
    (repo / "Dockerfile").unlink()
    codes = {f.code for f in Engine(cwd=repo).run(["."]).findings}
    assert codes == {"LL304"}
