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
    assert first.startswith("azure-pipelines.yml:2:11: LL101 ")
    assert "`docker build` imports no layer" in first
    assert summary.startswith("Found 1 finding (1 error") and summary.endswith(
        " in 1 file checked.")


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
        "message": data["findings"][0]["message"], "fix": data["findings"][0]["fix"],
    }]
    fix = data["findings"][0]["fix"]
    assert fix is None or set(fix) == {"applicability", "title"}
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
    # named on the command line, both are pipeline files (a walk would skip them)
    r = cli("check", "p.yml", "bin.yml", cwd=tmp_path)
    assert r.code == 1 and "Traceback" not in r.out + r.err
    codes = [line.split()[1] for line in r.out.splitlines()[:-1]]
    assert codes == ["LL001", "LL001"]


def test_rules_and_explain(cli) -> None:  # type: ignore[no-untyped-def]
    from layerlint.docs import render_rule
    from layerlint.rules import RULES

    r = cli("rules")
    assert r.code == 0 and len(r.out.splitlines()) == len(RULES)
    assert "LL202  cache-path-mismatch" in r.out
    r = cli("explain", "cache-path-mismatch")
    assert r.code == 0 and r.out.startswith("# LL202 cache-path-mismatch\n")
    assert "## Bad example" in r.out and "## Good example" in r.out
    assert r.out == render_rule("LL202") == (ROOT / "docs/rules/LL202.md").read_text()


def test_rule_docs_are_current() -> None:
    from layerlint import docs

    assert docs.stale_files(ROOT / "README.md") == []


def test_rule_docs_check_fails_when_stale(tmp_path: Path) -> None:
    from layerlint import docs

    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{docs.BEGIN}\nold\n{docs.END}\n")
    assert docs.main(["--check", str(readme)]) == 1
    assert docs.main([str(readme)]) == 0  # writes the table and docs/rules/
    assert docs.main(["--check", str(readme)]) == 0
    page = tmp_path / "docs" / "rules" / "LL101.md"
    assert page.read_text().startswith("# LL101 uncached-docker-build")
    page.write_text("edited\n")
    (tmp_path / "docs" / "rules" / "LL999.md").write_text("gone\n")
    assert sorted(p.name for p in docs.stale_files(readme)) == ["LL101.md", "LL999.md"]
    assert docs.main([str(readme)]) == 0 and not (tmp_path / "docs/rules/LL999.md").exists()


def test_several_reports_in_one_run(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(BAD)
    r = cli("check", "--format", "github", "--format", "sarif", "--output", "r/x.sarif",
            "--output", "x.xml", "--format", "junit", "--format", "gitlab", "-o", "gl.json",
            ".", cwd=tmp_path)
    assert r.code == 1 and r.out.startswith("::error file=p.yml,line=2,col=11,")
    assert json.loads((tmp_path / "r" / "x.sarif").read_text())["version"] == "2.1.0"
    assert (tmp_path / "x.xml").read_text().startswith("<?xml")
    assert json.loads((tmp_path / "gl.json").read_text())[0]["check_name"].startswith("LL101")
    r = cli("check", "--format", "json", "--format", "text", ".", cwd=tmp_path)
    assert r.code == 2 and "only one report can go to standard output" in r.err


def test_ci_format_is_chosen_from_the_environment(cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  monkeypatch) -> None:
    (tmp_path / "p.yml").write_text(BAD)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("TF_BUILD", "True")
    r = cli("check", ".", cwd=tmp_path)
    assert r.code == 1 and r.out.startswith("##vso[task.logissue type=error;sourcepath=p.yml;")
    assert cli("check", "--format", "text", ".", cwd=tmp_path).out.startswith("p.yml:2:11")
    cli("check", "--output", "report.txt", ".", cwd=tmp_path)  # a file gets text
    assert (tmp_path / "report.txt").read_text().startswith("p.yml:2:11: LL101")
    monkeypatch.delenv("TF_BUILD")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert cli("check", ".", cwd=tmp_path).out.startswith("::error file=p.yml,")


def test_write_baseline_exits_0(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(BAD)
    r = cli("check", "--write-baseline", "b.json", ".", cwd=tmp_path)
    assert r.code == 0 and "LL101" in r.out and (tmp_path / "b.json").is_file()


def test_version_and_help(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("--version").code == 0
    assert cli("check", "--help").code == 0


def test_examples(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("check", "--format", "json", str(EXAMPLES / "uncached"))
    assert sorted(f["code"] for f in json.loads(r.out)["findings"]) == [
        "LL101", "LL102", "LL202", "LL207"]
    assert cli("check", str(EXAMPLES / "cached")).code == 0


def test_python_dash_m() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "layerlint", "rules"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and "LL101" in proc.stdout


def test_closed_stdout_is_no_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "p.yml").write_text("steps:\n" + "- script: docker build -t app .\n" * 3000)
    proc = subprocess.Popen([sys.executable, "-m", "layerlint", "check", "p.yml"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1 and "Traceback" not in err
