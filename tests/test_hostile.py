"""Hostile input (issue 7, items 5 and 6) not covered elsewhere: symlink loops during
discovery, template include cycles, megabyte one-line scripts, names longer than the
file system allows, and fixes that cannot be written. (The alias bomb, the size limit and
deep nesting are in test_document.py; a template symlinked out of the repository in
test_templates.py; a failing ``os.replace`` in test_fix.py.)

No test here asserts a duration: linear time is checked by counting the Python calls
layerlint makes, and the megabyte script runs in a subprocess only guarded by a timeout."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from types import FrameType

import pytest

from layerlint.engine import Engine
from layerlint.fixer import fix_paths

from conftest import ROOT, run

BUILD = "steps:\n- script: docker build -t app .\n"


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


# -- discovery ------------------------------------------------------------------------------
def test_directory_symlink_loops_terminate_and_files_are_checked_once(tmp_path: Path,
                                                                      cli) -> None:  # type: ignore[no-untyped-def]
    root = repo(tmp_path, {"ci/azure-pipelines.yml": BUILD, "a/b/keep.txt": ""})
    (root / "ci" / "up").symlink_to(root, target_is_directory=True)  # to an ancestor
    (root / "a" / "b" / "self").symlink_to(root / "a" / "b", target_is_directory=True)
    (root / "x").symlink_to(root / "y", target_is_directory=True)  # x -> y -> x
    (root / "y").symlink_to(root / "x", target_is_directory=True)
    (root / "a" / "dangling.yml").symlink_to(root / "missing.yml")
    result = cli("check", ".", cwd=root)
    assert result.code == 1, result.err
    assert result.out.count("ci/azure-pipelines.yml:2:") == 1
    assert "internal error" not in result.err


# -- template include cycles ----------------------------------------------------------------
CYCLE = {
    "azure-pipelines.yml": "trigger: none\nsteps:\n- template: a.yml\n",
    "a.yml": "steps:\n- template: b.yml\n",
    "b.yml": "steps:\n- template: a.yml\n",
}


def cycle_findings(root: Path, paths: list[str]) -> list[tuple[str, int]]:
    result = run(paths, root, {"LL002"})
    return [(f.path, f.line) for f in result.findings if "cycle" in f.message]


def test_template_include_cycle_is_reported_once_from_its_pipeline(tmp_path: Path) -> None:
    root = repo(tmp_path, {**CYCLE, "self.yml": "steps:\n- template: self.yml\n"})
    assert cycle_findings(root, ["azure-pipelines.yml"]) == [("azure-pipelines.yml", 3)]
    assert cycle_findings(root, ["self.yml"]) == [("self.yml", 2)]


def test_template_include_cycle_is_reported_once_across_the_directory(tmp_path: Path) -> None:
    root = repo(tmp_path, CYCLE)
    assert len(cycle_findings(root, ["."])) == 1


# -- long scripts ---------------------------------------------------------------------------
def test_one_megabyte_script_on_one_line_is_linted(tmp_path: Path) -> None:
    """End to end, in a subprocess whose timeout (generous: a hang guard for a loaded
    2-core machine, not a speed assertion) fails the test instead of hanging the suite."""
    args = "--build-arg A=1 " * (1_000_000 // 16)
    root = repo(tmp_path, {"azure-pipelines.yml": f"steps:\n- script: docker build {args}"
                                                  "-t app .\n"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "layerlint", "check", "azure-pipelines.yml"],
                          cwd=root, capture_output=True, text=True, timeout=120, env=env,
                          check=False)
    assert done.returncode == 1, done.stderr
    assert "azure-pipelines.yml:2:11: LL101" in done.stdout
    assert "internal error" not in done.stderr


def work(root: Path) -> int:
    """Python function calls inside layerlint while checking and fixing ``root``: a
    machine-independent measure of time."""
    calls = 0
    package = str(ROOT / "layerlint")

    def count(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call" and frame.f_code.co_filename.startswith(package):
            calls += 1

    sys.setprofile(count)
    try:
        result = Engine(cwd=root).run(["."])
        fix_paths(Engine(cwd=root), ["."], write=False)
    finally:
        sys.setprofile(None)
    assert result.internal_errors == [] and result.findings
    return calls


# The peak of this process alone: VmHWM (reset by exec), not ru_maxrss, which Linux carries
# over from the forked parent (a large pytest process) through exec.
MANY_BUILDS = r"""
import resource, sys
from layerlint.cli import main
code = main(sys.argv[1:])
try:
    with open("/proc/self/status") as fh:
        peak_kb = next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"PEAK {peak_kb}", file=sys.stderr)
raise SystemExit(code)
"""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_twenty_thousand_builds_in_one_script_fit_in_bounded_memory(tmp_path: Path,
                                                                   fmt: str) -> None:
    """A stranger's pull request must not take a CI agent's memory (issue 13): a one-line
    script of 20,000 builds is checked in well under 350 MB (150 MB base + 10 KB a build),
    in text and in JSON output, with the fix computed (JSON carries it)."""
    root = repo(tmp_path, {"azure-pipelines.yml":
                           "steps:\n- script: " + "docker build -t x . && " * 20_000 + "true\n"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", MANY_BUILDS, "check", "--format", fmt,
                           "--max-file-size", "10000000", "azure-pipelines.yml"],
                          cwd=root, capture_output=True, text=True, timeout=300, env=env,
                          check=False)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "LL101" in done.stdout and "internal error" not in done.stderr
    peak_mb = int(done.stderr.rsplit("PEAK ", 1)[1].split()[0]) / 1024  # Linux: KB
    assert peak_mb < 350, f"peak memory {peak_mb:.0f} MB"


SHAPES = {
    "arguments": ("script", "docker build ", "--build-arg A=1 ", "-t app .", 300),
    "command chain": ("script", "", "echo hi && ", "docker build -t app .", 300),
    "quoted word": ("script", "docker build --label \"", "x ", "\" -t app .", 3000),
    "powershell": ("pwsh", "", "Write-Host hi; ", "docker build -t app .", 300),
    "many builds": ("script", "", "docker build -t app . ; ", "", 10),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_work_grows_linearly_with_script_length(tmp_path: Path, shape: str) -> None:
    key, head, unit, tail, n = SHAPES[shape]
    small = repo(tmp_path / "small", {"azure-pipelines.yml":
                                      f"steps:\n- {key}: {head}{unit * n}{tail}\n"})
    large = repo(tmp_path / "large", {"azure-pipelines.yml":
                                      f"steps:\n- {key}: {head}{unit * n * 10}{tail}\n"})
    # ten times the script: linear work is ~10x (plus fixed costs), quadratic ~100x
    assert work(large) < 20 * work(small)


def test_build_context_longer_than_a_file_name_is_no_crash(tmp_path: Path) -> None:
    root = repo(tmp_path, {"azure-pipelines.yml": f"steps:\n- script: docker build {'a' * 256}\n"})
    result = Engine(cwd=root).run(["."])
    assert result.internal_errors == []
    assert [f.code for f in result.findings] == ["LL101"]
    fix_paths(Engine(cwd=root), ["."], write=False)


# -- write safety ---------------------------------------------------------------------------
def test_read_only_file_is_reported_not_changed(tmp_path: Path) -> None:
    root = repo(tmp_path, {"azure-pipelines.yml": BUILD})
    path = root / "azure-pipelines.yml"
    os.chmod(path, 0o444)
    outcomes = fix_paths(Engine(cwd=root), ["."])
    assert path.read_text() == BUILD
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert [o.written for o in outcomes] == [False] and outcomes[0].error


def test_permission_denied_for_the_temporary_file_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a read-only directory does for a user other than root."""
    root = repo(tmp_path, {"azure-pipelines.yml": BUILD})

    def denied(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    outcomes = fix_paths(Engine(cwd=root), ["."])
    assert [o.written for o in outcomes] == [False]
    assert "Permission denied" in (outcomes[0].error or "")
    assert (root / "azure-pipelines.yml").read_text() == BUILD


def test_disk_full_while_writing_leaves_the_original_and_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path, {"azure-pipelines.yml": BUILD})

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    outcomes = fix_paths(Engine(cwd=root), ["."])
    assert [o.written for o in outcomes] == [False]
    assert "No space left" in (outcomes[0].error or "")
    assert (root / "azure-pipelines.yml").read_text() == BUILD
    assert sorted(p.name for p in root.iterdir()) == [".git", "azure-pipelines.yml"]
