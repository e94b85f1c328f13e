"""The fix-safety checks themselves (tests/fixsafety), on synthetic before/after pairs: each
check fails on the fault it is there for and passes on the fixed form of docs/rules.md.
Nothing here runs layerlint; the real-repository runs are in test_realrepos_fix.py."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from fixsafety.checks import (
    CHECKS,
    Failure,
    RepoRun,
    changed_regions,
    check_args,
    check_conditions,
    check_expressions,
    check_findings,
    check_idempotent,
    check_keys,
    check_shell,
    check_windows,
    coverage,
)
from fixsafety.sandbox import Sandbox

D = "$(Pipeline.Workspace)/docker_cache/app"
CACHE = f"""\
- task: Cache@2
  displayName: Restore Docker layer cache (app)
  inputs:
    key: '"docker" | "$(Agent.OS)" | "app" | ./Dockerfile | "$(Build.SourceVersion)"'
    restoreKeys: |
      "docker" | "$(Agent.OS)" | "app" | ./Dockerfile
      "docker" | "$(Agent.OS)" | "app"
    path: {D}
"""
ROTATE = f"""\
- script: |
    if [ -d {D}-new ]; then rm -rf {D} && mv {D}-new {D}; fi
    mkdir -p {D}
  displayName: Rotate Docker layer cache (app)
"""
GUARD = ("docker buildx inspect layerlint >/dev/null 2>&1 || "
         "docker buildx create --name layerlint --driver docker-container")
BUILDX = (f"docker buildx build --builder layerlint --cache-from=type=local,src={D} "
          f"--cache-to=type=local,dest={D}-new,mode=max --load")

BEFORE = """\
pool:
  vmImage: ubuntu-latest
steps:
- script: |
    set -e
    docker build -t app --build-arg V=1 .
    docker push app
  displayName: Build
"""

# The fixed form of docs/rules.md, "Rewriting inside an existing script (in place)".
GOOD = f"""\
pool:
  vmImage: ubuntu-latest
steps:
{CACHE}- script: |
    set -e
    {GUARD}
    rm -rf {D}-new
    {BUILDX} -t app --build-arg V=1 .
    docker push app
  displayName: Build
{ROTATE}"""

# The old fixed form (issue 10, item 1): rotation chained after the build.
CHAINED = f"""\
pool:
  vmImage: ubuntu-latest
steps:
{CACHE}- script: |
    set -e
    {GUARD}
    {BUILDX} -t app --build-arg V=1 . && rm -rf {D} && mv {D}-new {D}
    docker push app
  displayName: Build
"""


def make_run(tmp_path: Path, before: dict[str, str], after: dict[str, str],
             findings_before: list[dict[str, Any]] | None = None,
             findings_after: list[dict[str, Any]] | None = None,
             second_fix: dict[str, tuple[str, str]] | None = None) -> RepoRun:
    for side, files in (("before", before), ("after", after)):
        for name, text in files.items():
            p = tmp_path / side / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(textwrap.dedent(text), encoding="utf-8")
    changed = sorted(n for n in after if after[n] != before.get(n))
    return RepoRun("synthetic", False, tmp_path / "before", tmp_path / "after",
                   findings_before or [], findings_after or [], "", changed, second_fix or {},
                   tmp_path)


def only(fails: list[Failure], check: str) -> list[Failure]:
    assert all(f.check == check for f in fails), fails
    return fails


# ----------------------------------------------------------------------------- the good form
def test_the_fixed_form_passes_every_check(tmp_path: Path) -> None:
    run = make_run(tmp_path, {"azure-pipelines.yml": BEFORE}, {"azure-pipelines.yml": GOOD})
    fails = [f for fn in CHECKS.values() for f in fn(run)]
    assert fails == [], "\n\n".join(map(str, fails))


# ----------------------------------------------------------------------------- check 1
def test_chained_rotation_under_set_e_fails_check_1(tmp_path: Path) -> None:
    run = make_run(tmp_path, {"azure-pipelines.yml": BEFORE}, {"azure-pipelines.yml": CHAINED})
    fails = only(check_shell(run), "1-shell")
    assert any("FAIL set -e" in f.message and "original exit 1, AFTER not printed" in f.message
               and "fixed exit 0, AFTER printed" in f.message for f in fails), fails
    assert fails[0].file == "azure-pipelines.yml" and fails[0].line > 0
    assert "&& rm -rf" in fails[0].fixed and "docker build" in fails[0].original


def test_build_as_last_command_with_chain_fails_check_1(tmp_path: Path) -> None:
    """``build || echo failed`` keeps going on purpose; a fix that turns the failure into an
    exit (or the reverse) changes behaviour."""
    before = BEFORE.replace("docker build -t app --build-arg V=1 .",
                            "docker build -t app . || echo 'build failed, continuing'")
    after = GOOD.replace(f"{BUILDX} -t app --build-arg V=1 .",
                         f"{BUILDX} -t app . || exit 1")
    run = make_run(tmp_path, {"p.yml": before}, {"p.yml": after})
    assert any("FAIL" in f.message for f in only(check_shell(run), "1-shell"))


def test_inserted_set_u_is_a_state_change(tmp_path: Path) -> None:
    after = GOOD.replace("    set -e\n", "    set -euo pipefail\n    set -e\n", 1)
    run = make_run(tmp_path, {"p.yml": BEFORE}, {"p.yml": after})
    assert any("change the script's state" in f.message for f in only(check_shell(run),
                                                                      "1-shell"))


def test_regions_grow_to_complete_bash(tmp_path: Path) -> None:
    sb = Sandbox(tmp_path)
    orig = ("echo start\ndocker build . \\\n  -t a\necho mid\nif docker build b; then\n"
            "  echo ok\nfi\necho done")
    fixed = ("echo start\ndocker buildx build --load . \\\n  -t a\necho mid\n"
             "if docker buildx build --load b; then\n  echo ok\nfi\necho done")
    regions = changed_regions(orig, fixed, sb.syntax_ok)
    assert [r.orig for r in regions] == ["docker build . \\\n  -t a",
                                         "if docker build b; then\n  echo ok\nfi"]
    assert [r.orig_line for r in regions] == [1, 4]


def test_stub_fails_every_build_spelling(tmp_path: Path) -> None:
    sb = Sandbox(tmp_path)
    builds = ["docker build .", "docker image build .", "docker builder build .",
              "docker buildx build .", "docker buildx b .", "docker --context x build .",
              "docker buildx --builder b build .", "sudo docker build .",
              # compose builds and bake fail too, so that the LL103 fix is judged
              "docker compose build", "docker compose -f c.yml -p x build api",
              "docker compose up -d --build", "docker-compose -f c.yml build",
              "docker-compose up --build", "docker buildx bake -f c.yml --load"]
    others = ["docker push app", "docker buildx inspect x", "docker run --rm app build",
              "somethingunknown --flag", "docker compose up -d", "docker-compose push",
              "docker compose -f build.yml push"]
    for cmd in builds:
        res = sb.run_variants(cmd, [("x:last", "FAIL", ""), ("y:last", "OK", "")])
        assert res["x:last"].status == 1 and res["y:last"].status == 0, cmd
    for cmd in others:
        assert sb.run_variants(cmd, [("x:last", "FAIL", "")])["x:last"].status == 0, cmd


# ----------------------------------------------------------------------------- check 2
def test_escaped_space_after_continuation_fails_check_2(tmp_path: Path) -> None:
    """Issue 10 item 2: ``docker buildx build \\`` got ``\\ --builder layerlint \\``."""
    before = BEFORE.replace("docker build -t app --build-arg V=1 .",
                            "docker buildx build \\\n      -t app --build-arg V=1 .")
    after = GOOD.replace(f"{BUILDX} -t app --build-arg V=1 .",
                         "docker buildx build \\ --builder layerlint \\\n"
                         "      -t app --build-arg V=1 .")
    run = make_run(tmp_path, {"p.yml": before}, {"p.yml": after})
    fails = only(check_args(run), "2-args")
    assert any("not cache/builder flags" in f.message and " --builder" in f.message
               for f in fails), fails


def test_lost_argument_fails_check_2(tmp_path: Path) -> None:
    after = GOOD.replace("--build-arg V=1 ", "")
    run = make_run(tmp_path, {"p.yml": BEFORE}, {"p.yml": after})
    fails = only(check_args(run), "2-args")
    assert fails and "missing" in fails[0].message and "V=1" in fails[0].message


def test_added_flag_that_is_not_a_cache_flag_fails_check_2(tmp_path: Path) -> None:
    after = GOOD.replace("--load", "--load --pull")
    run = make_run(tmp_path, {"p.yml": BEFORE}, {"p.yml": after})
    assert "--pull" in only(check_args(run), "2-args")[0].message


# ----------------------------------------------------------------------------- check 3
TWO_JOBS_BEFORE = """\
jobs:
- job: a
  pool: {vmImage: ubuntu-latest}
  steps:
  - script: docker build -t app .
- job: b
  pool: {vmImage: ubuntu-latest}
  steps:
  - script: docker build -t app .
"""


def _two_jobs_after(key: str) -> str:
    cache = (f"  - task: Cache@2\n    inputs:\n      key: '{key}'\n"
             f"      path: {D}\n")
    step = f"  - script: {BUILDX} -t app .\n"
    return (f"jobs:\n- job: a\n  pool: {{vmImage: ubuntu-latest}}\n  steps:\n{cache}{step}"
            f"- job: b\n  pool: {{vmImage: ubuntu-latest}}\n  steps:\n{cache}{step}")


def test_key_shared_by_two_jobs_fails_check_3(tmp_path: Path) -> None:
    run = make_run(tmp_path, {"p.yml": TWO_JOBS_BEFORE},
                   {"p.yml": _two_jobs_after('"docker" | "app" | "$(Build.SourceVersion)"')})
    fails = only(check_keys(run), "3-keys")
    assert len(fails) == 1 and "job a" in fails[0].message and "job b" in fails[0].message


def test_key_with_job_identity_passes_check_3(tmp_path: Path) -> None:
    run = make_run(tmp_path, {"p.yml": TWO_JOBS_BEFORE},
                   {"p.yml": _two_jobs_after('"docker" | "app" | "$(System.JobIdentifier)"')})
    assert check_keys(run) == []


MATRIX_BEFORE = """\
jobs:
- job: build
  strategy:
    matrix:
      py38: {pythonVersion: '3.8'}
      py39: {pythonVersion: '3.9'}
  steps:
  - script: docker build --build-arg PY=$(pythonVersion) -t app .
"""


def _matrix_after(key: str) -> str:
    return MATRIX_BEFORE.replace(
        "  steps:\n",
        f"  steps:\n  - task: Cache@2\n    inputs:\n      key: '{key}'\n      path: {D}\n")


@pytest.mark.parametrize("key, ok", [
    ('"docker" | "app"', False),
    ('"docker" | "app" | "$(System.JobName)"', True),
    ('"docker" | "app" | "$(pythonVersion)"', True),
    ('"docker" | "app" | "$(System.PhaseName)"', False),   # the job, not the leg
])
def test_matrix_legs_need_a_per_leg_segment(tmp_path: Path, key: str, ok: bool) -> None:
    run = make_run(tmp_path, {"p.yml": MATRIX_BEFORE}, {"p.yml": _matrix_after(key)})
    fails = check_keys(run)
    assert (fails == []) == ok, fails
    if not ok:
        assert "matrix" in fails[0].message


TEMPLATE_CALLER = """\
jobs:
- job: a
  steps:
  - template: build.yml
    parameters: {name: api}
- job: b
  steps:
  - template: build.yml
    parameters: {name: web}
"""


@pytest.mark.parametrize("key, ok", [
    ('"docker" | "azure-name"', False),               # the parameter became a literal slug
    ('"docker" | "${{ parameters.name }}"', True),
])
def test_steps_template_callers_need_their_own_key(tmp_path: Path, key: str, ok: bool) -> None:
    before = "parameters:\n- name: name\n  default: x\nsteps:\n" \
             "- script: docker build -t ${{ parameters.name }} .\n"
    after = before.replace("steps:\n", f"steps:\n- task: Cache@2\n  inputs:\n    key: '{key}'\n"
                                       f"    path: {D}\n")
    run = make_run(tmp_path, {"p.yml": TEMPLATE_CALLER, "build.yml": before},
                   {"p.yml": TEMPLATE_CALLER, "build.yml": after})
    assert (check_keys(run) == []) == ok


# ----------------------------------------------------------------------------- check 4
@pytest.mark.parametrize("pool, ok", [
    ("vmImage: ubuntu-latest", True),
    ("vmImage: windows-2022", False),
    ("vmImage: vs2017-win2016", False),
    ("vmImage: macOS-13", False),
    ("name: Windows-Agents", False),
    ("{name: Default, demands: ['Agent.OS -equals Windows_NT']}", False),
])
def test_cache_in_windows_or_macos_job_fails_check_4(tmp_path: Path, pool: str, ok: bool) -> None:
    pool_yaml = f"pool: {pool}\n" if pool.startswith("{") else f"pool:\n  {pool}\n"
    run = make_run(tmp_path, {"p.yml": pool_yaml + BEFORE.split("\n", 2)[2]},
                   {"p.yml": pool_yaml + GOOD.split("\n", 2)[2]})
    fails = check_windows(run)
    assert (fails == []) == ok, fails


def test_isolation_flag_says_windows(tmp_path: Path) -> None:
    before = BEFORE.replace("-t app", "--isolation=hyperv -t app")
    after = GOOD.replace("-t app", "--isolation=hyperv -t app")
    run = make_run(tmp_path, {"p.yml": before}, {"p.yml": after})
    assert "--isolation" in only(check_windows(run), "4-windows")[0].message


# ----------------------------------------------------------------------------- check 5
COND = "  condition: eq(variables['Build.Reason'], 'PullRequest')\n"


def test_condition_must_travel_to_cache_and_rotation(tmp_path: Path) -> None:
    before = BEFORE + COND
    after = GOOD.replace("  displayName: Build\n", "  displayName: Build\n" + COND)
    run = make_run(tmp_path, {"p.yml": before}, {"p.yml": after})
    fails = only(check_conditions(run), "5-conditions")
    assert len(fails) == 2, fails            # the Cache@2 step and the rotation step
    assert all("PullRequest" in f.message for f in fails)
    good = after.replace("  displayName: Restore Docker layer cache (app)\n",
                         "  displayName: Restore Docker layer cache (app)\n" + COND)
    good = good.replace("  displayName: Rotate Docker layer cache (app)\n",
                        "  displayName: Rotate Docker layer cache (app)\n" + COND)
    run = make_run(tmp_path / "good", {"p.yml": before}, {"p.yml": good})
    assert check_conditions(run) == []


def test_cache_dir_must_exist_when_the_build_does_not_run(tmp_path: Path) -> None:
    """Chained rotation and no rotation step: a build in an untaken branch leaves no dir."""
    run = make_run(tmp_path, {"p.yml": BEFORE}, {"p.yml": CHAINED})
    fails = only(check_conditions(run), "5-conditions")
    assert any("does not exist" in f.message or "exports nothing" in f.message
               for f in fails), fails


# ----------------------------------------------------------------------------- check 6
def test_lost_template_expression_fails_check_6(tmp_path: Path) -> None:
    before = BEFORE.replace("-t app", "-t ${{ parameters.image }}")
    after = GOOD.replace("-t app", "-t /docker/linux/amd64")
    run = make_run(tmp_path, {"p.yml": before}, {"p.yml": after})
    fails = only(check_expressions(run), "6-expressions")
    assert fails and "${{parameters.image}}" in fails[0].message


# ----------------------------------------------------------------------------- check 7
def test_second_fix_that_changes_something_fails_check_7(tmp_path: Path) -> None:
    run = make_run(tmp_path, {"p.yml": BEFORE}, {"p.yml": GOOD},
                   second_fix={"p.yml": (GOOD, "--- a/p.yml\n+++ b/p.yml\n@@ -9,1 +9,1 @@\n")})
    fails = only(check_idempotent(run), "7-idempotent")
    assert fails[0].line == 9


# ----------------------------------------------------------------------------- check 8
def _f(code: str, path: str = "p.yml", line: int = 5, fix: str | None = "safe") -> dict[str, Any]:
    return {"code": code, "path": path, "line": line, "message": "m",
            "fix": {"applicability": fix, "title": "t"} if fix else None}


def test_new_finding_after_fix_fails_check_8(tmp_path: Path) -> None:
    run = make_run(tmp_path, {"p.yml": BEFORE}, {"p.yml": GOOD}, [_f("LL101")],
                   [_f("LL402", fix=None)])
    assert "LL402" in only(check_findings(run), "8-findings")[0].message


def test_offered_fix_left_unapplied_fails_check_8(tmp_path: Path) -> None:
    """Issue 10 item 12: offered (``[*]``), then refused."""
    run = make_run(tmp_path, {"p.yml": BEFORE}, {"p.yml": BEFORE}, [_f("LL101")],
                   [_f("LL101")])
    assert "offered a fix" in only(check_findings(run), "8-findings")[0].message


def test_unfixable_finding_left_passes_check_8(tmp_path: Path) -> None:
    run = make_run(tmp_path, {"p.yml": BEFORE}, {"p.yml": BEFORE}, [_f("LL103", fix=None)],
                   [_f("LL103", fix=None)])
    assert check_findings(run) == []


# ----------------------------------------------------------------------------- coverage
def test_coverage_leaves_out_windows_jobs(tmp_path: Path) -> None:
    before = ("jobs:\n- job: l\n  pool: {vmImage: ubuntu-latest}\n  steps:\n"
              "  - script: docker build -t a .\n"
              "- job: w\n  pool: {vmImage: windows-latest}\n  steps:\n"
              "  - script: docker build -t b .\n")
    run = make_run(tmp_path, {"p.yml": before}, {"p.yml": before},
                   [_f("LL101", line=5), _f("LL101", line=9)], [_f("LL101", line=9)])
    cov = coverage(run)
    assert (cov.ll101, cov.excluded, cov.applied) == (1, 1, 1)
