"""The command line through ``main(argv)``: exit codes, formats, options."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT

EXAMPLES = ROOT / "examples"
BAD = "steps:\n- script: docker build -t app .\n"
GOOD = "steps:\n- script: echo hello\n"


def test_findings_exit_1_with_text_lines(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "azure-pipelines.yml").write_text(BAD)
    r = cli("check", "azure-pipelines.yml", cwd=tmp_path)
    assert r.code == 1
    first, summary = r.out.splitlines()
    assert first.startswith("azure-pipelines.yml:2:11: LL101 [*] `docker build` imports no layer")
    assert summary == "Found 1 finding (1 error; 1 fixable) in 1 file checked."


def test_clean_exit_0(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(GOOD)
    r = cli("check", ".", cwd=tmp_path)
    assert (r.code, r.out) == (0, "All checks passed (1 file checked).\n")


def test_default_command_and_path(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(BAD)
    assert cli(cwd=tmp_path).code == 0  # no arguments: help
    assert cli("check", cwd=tmp_path).code == 1
    assert cli("p.yml", cwd=tmp_path).code == 1  # `check` is implied


def test_exit_zero_quiet_statistics(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(BAD + "- script: docker build -t b .\n")
    r = cli("check", "--exit-zero", "--quiet", "--statistics", ".", cwd=tmp_path)
    assert r.code == 0
    lines = r.out.splitlines()
    assert len(lines) == 3 and lines[-1] == "2  LL101  uncached-docker-build"


def test_select_ignore(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(BAD)
    assert cli("check", "--ignore", "LL101", ".", cwd=tmp_path).code == 0
    assert cli("check", "--select", "LL2", ".", cwd=tmp_path).code == 0
    assert cli("check", "--select", "uncached-docker-build", ".", cwd=tmp_path).code == 1
    r = cli("check", "--select", "LL999", ".", cwd=tmp_path)
    assert r.code == 2 and "unknown rule" in r.err


def test_usage_errors_exit_2(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("check", "--format", "xml", cwd=tmp_path).code == 2
    r = cli("check", "missing.yml", cwd=tmp_path)
    assert r.code == 2 and "no such file" in r.err
    assert cli("explain", "LL999").code == 2


def test_json_contract(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(BAD)
    (tmp_path / "compose.yml").write_text("services:\n  a:\n    image: x\n")
    r = cli("check", "--format", "json", ".", cwd=tmp_path)
    data = json.loads(r.out)
    assert data["version"] == 1
    assert data["findings"] == [{
        "code": "LL101", "name": "uncached-docker-build", "severity": "error",
        "path": "p.yml", "line": 2, "column": 11, "end_line": 2, "end_column": 32,
        "message": data["findings"][0]["message"],
        "fix": {"applicability": "safe", "title": data["findings"][0]["fix"]["title"]},
    }]
    assert data["files"] == [{"path": "compose.yml", "status": "skipped"},
                             {"path": "p.yml", "status": "linted"}]
    assert data["builds"] == [{"path": "p.yml", "line": 2, "column": 11, "kind": "script",
                               "command": "docker build", "cached": False, "cache": []}]


def test_output_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(BAD)
    r = cli("check", "--format", "json", "--output", "out.json", ".", cwd=tmp_path)
    assert r.code == 1 and r.out == ""
    assert json.loads((tmp_path / "out.json").read_text())["findings"][0]["code"] == "LL101"


def test_verbose_says_why_files_are_skipped(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "workflow.yml").write_text("on: push\njobs:\n  a:\n    runs-on: x\n")
    r = cli("check", "-v", ".", cwd=tmp_path)
    assert r.code == 0 and "skipped workflow.yml" in r.err


def test_broken_yaml_is_ll001_not_a_traceback(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_bytes(b"steps:\n- script: [unclosed\n")
    (tmp_path / "bin.yml").write_bytes(b"\x00\x01\x02binary")
    r = cli("check", ".", cwd=tmp_path)
    assert r.code == 1 and "Traceback" not in r.out + r.err
    codes = [line.split()[1] for line in r.out.splitlines()[:-1]]
    assert codes == ["LL001", "LL001"]


def test_rules_and_explain(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("rules")
    assert r.code == 0 and len(r.out.splitlines()) == 8 and "LL202  cache-path-mismatch" in r.out
    r = cli("explain", "cache-path-mismatch")
    assert r.code == 0 and r.out.startswith("LL202 cache-path-mismatch")
    assert "Bad example" in r.out and "Good example" in r.out


def test_version_and_help(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("--version").code == 0
    assert cli("check", "--help").code == 0


def test_examples(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("check", "--format", "json", str(EXAMPLES / "uncached"))
    assert sorted(f["code"] for f in json.loads(r.out)["findings"]) == ["LL101", "LL102", "LL202"]
    assert cli("check", str(EXAMPLES / "cached")).code == 0


def test_python_dash_m() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "layerlint", "rules"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and "LL101" in proc.stdout
