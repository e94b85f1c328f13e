"""Behaviour of the expert rules (LL204-LL403) beyond the fixtures: severities that depend
on the agent and the repository, fixes that keep the file's style, the repository-aware
LL304, key parsing and the per-job builder state."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from layerlint.cachekey import classify, is_pathy, matches_any, split
from layerlint.engine import Engine
from layerlint.finding import Finding
from layerlint.fixer import apply_edits


def lint(tmp_path: Path, text: str, codes: set[str], name: str = "azure-pipelines.yml",
         newline: str = "\n") -> list[Finding]:
    path = tmp_path / name
    path.write_bytes(textwrap.dedent(text).replace("\n", newline).encode())
    return Engine(codes, cwd=tmp_path).run([name]).findings


BUILD = """\
    pool: {pool}
    steps:
      - script: |
          docker buildx create --name b --use
          docker buildx build --load --cache-from type=local,src=/tmp/c \\
            --cache-to type=local,dest=/tmp/c -f Dockerfile .
    """


def test_ll206_is_info_for_a_one_stage_dockerfile(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN true\n")
    [finding] = lint(tmp_path, BUILD.format(pool="self"), {"LL206"})
    assert finding.severity == "info"
    (tmp_path / "Dockerfile").write_text("FROM alpine AS a\nFROM a\n")
    [finding] = lint(tmp_path, BUILD.format(pool="self"), {"LL206"})
    assert finding.severity == "warning"


def test_ll402_severity_follows_the_pool(tmp_path: Path) -> None:
    [hosted] = lint(tmp_path, BUILD.format(pool="{vmImage: ubuntu-latest}"), {"LL402"})
    [own] = lint(tmp_path, BUILD.format(pool="my-agents"), {"LL402"})
    assert (hosted.severity, own.severity) == ("info", "error")
    assert '"b"' in own.message and "self-hosted" in own.message


def test_no_buildx_fixes_on_windows_pools(tmp_path: Path) -> None:
    text = BUILD.format(pool="{vmImage: windows-2022}").replace("script:", "bash:")
    findings = lint(tmp_path, text, {"LL207", "LL402"})
    assert {f.code for f in findings} == {"LL207", "LL402"}
    assert all(f.fix is None for f in findings)


def test_fixes_keep_crlf(tmp_path: Path) -> None:
    text = """\
    pool: {vmImage: ubuntu-latest}
    steps:
      - task: Cache@2
        inputs:
          key: 'npm | "$(Agent.OS)" | package-lock.json'
          path: $(Pipeline.Workspace)/.npm
    """
    [finding] = lint(tmp_path, text, {"LL302"}, newline="\r\n")
    assert finding.fix is not None and finding.fix.applicability == "safe"
    source = (tmp_path / "azure-pipelines.yml").read_bytes().decode()
    fixed = apply_edits(source, finding.fix.edits)
    assert "\n" not in fixed.replace("\r\n", "")
    assert '      restoreKeys: |\r\n        npm | "$(Agent.OS)"\r\n' in fixed


KEYS = """\
    steps:
      - task: Cache@2
        inputs:
          key: 'a | src/app/*.lock, !src/app/old.lock | **/go.sum | missing/x.lock'
          path: $(Pipeline.Workspace)/x
    """


def test_ll304_checks_key_files_in_a_checkout(tmp_path: Path) -> None:
    (tmp_path / "src" / "app").mkdir(parents=True)
    (tmp_path / "src" / "app" / "old.lock").write_text("")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "go.sum").write_text("")
    assert lint(tmp_path, KEYS, {"LL304"}) == []  # not a checkout: unknown
    (tmp_path / ".git").mkdir()
    findings = lint(tmp_path, KEYS, {"LL304"})
    assert len(findings) == 1  # one per line (deduplicated)
    assert "src/app/*.lock" in findings[0].message  # excluded by `!`: nothing left
    (tmp_path / "src" / "app" / "new.lock").write_text("")
    (tmp_path / "missing").mkdir()
    (tmp_path / "missing" / "x.lock").write_text("")
    assert lint(tmp_path, KEYS, {"LL304"}) == []
    assert findings[0].fix is not None and findings[0].fix.applicability == "unsafe"


def test_key_segments_follow_the_agent() -> None:
    assert split('"docker" | "$(Agent.OS)" |  | ./Dockerfile') == [
        '"docker"', '"$(Agent.OS)"', "./Dockerfile"]
    assert split("a\nb | c\n") == ["a", "b | c"]  # legacy format: one segment per line
    assert is_pathy("yarn.lock") and is_pathy("src/x") and is_pathy("**/package-lock.json")
    assert not is_pathy('"my.key"') and not is_pathy("docker") and not is_pathy("v1.")
    assert classify("$(Agent.OS)", {}).kind == "static"  # "Linux", not a path
    assert classify('"$(Build.SourceVersion)"', {}).kind == "run"
    assert classify("$(undefined)", {}).kind == "unknown"
    assert classify("$(v)", {"v": "1.2"}).kind == "path"
    assert matches_any(["a/b/c.txt"], "**/c.txt") is True
    assert matches_any(["a/b/c.txt"], "*.txt") is False
    assert matches_any(["a/b/c.txt"], "$(Pipeline.Workspace)/c.txt") is None


@pytest.mark.parametrize(("script", "codes"), [
    ("docker buildx create --name x --use\ndocker build --cache-to type=local,dest=/d .",
     {"LL401", "LL402"}),
    ("docker buildx inspect x || docker buildx create --name x --use\n"
     "docker buildx build --load --cache-to type=local,dest=/d .", set()),
    ("if ! docker buildx inspect x; then\n  docker buildx create --name x\nfi\n"
     "docker buildx use x\ndocker buildx build --load --cache-to type=local,dest=/d .",
     set()),
    ("docker buildx build --load --cache-to type=local,dest=/d .", {"LL401"}),
    ("export BUILDX_BUILDER=x\ndocker build --load --cache-to type=local,dest=/d .", set()),
    ("docker buildx use default\ndocker buildx build --cache-to type=local,dest=/d .",
     {"LL401"}),
    ("docker buildx create --name x --use\ndocker buildx build -t a .", {"LL402", "LL403"}),
])
def test_builder_state(tmp_path: Path, script: str, codes: set[str]) -> None:
    body = textwrap.indent(script, " " * 10)
    text = f"pool: agents\nsteps:\n  - script: |\n{body}\n"
    found = lint(tmp_path, text, {"LL401", "LL402", "LL403"})
    assert {f.code for f in found} == codes


def test_builder_state_spans_steps_but_not_jobs(tmp_path: Path) -> None:
    text = """\
    jobs:
    - job: a
      steps:
        - script: docker buildx create --use
        - script: docker buildx build --load --cache-to type=local,dest=/d .
    - job: b
      steps:
        - script: docker buildx build --load --cache-to type=local,dest=/d .
    """
    found = lint(tmp_path, text, {"LL401"})
    assert [f.line for f in found] == [8]
