"""Start-up: what ``layerlint check`` pays for before it lints (no timing here: bench/run.py
measures it). A pre-commit hook runs on every commit, so the check path must not import
what it does not use, and the short cuts it takes must not change what it does."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerlint import cli, cli_parser
from layerlint._record import replace
from layerlint.finding import Edit, Finding, Fix
from layerlint.pipeline.model import Pool
from layerlint.rules import RULES, meta

from conftest import ROOT

TYPICAL = ROOT / "examples" / "uncached" / "azure-pipelines.yml"

# modules a text-format check of one pipeline must not import (the standard library's
# dataclasses pulls in inspect, ast, dis and tokenize; shutil comes with argparse's help
# formatter, json with the configuration schema; ``check PATH`` has no option to parse)
NOT_ON_THE_CHECK_PATH = ("dataclasses", "inspect", "ast", "shutil", "json", "importlib.util",
                         "argparse", "layerlint.cli_parser", "layerlint.suppress",
                         "layerlint.shell.powershell", "layerlint.fixer")


def _modules_after(argv: list[str]) -> tuple[int, set[str]]:
    """Exit status of ``main(argv)`` in a new interpreter, and the modules it imported
    (those imported at interpreter start-up, .pth files included, left out)."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import io\n"
        "from contextlib import redirect_stdout\n"
        "from layerlint.cli import main\n"
        "with redirect_stdout(io.StringIO()):\n"
        f"    status = main({argv!r})\n"
        "print(repr((status, sorted(set(sys.modules) - before))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    status, modules = ast.literal_eval(out.stdout)
    return status, set(modules)


def test_check_imports_only_what_it_uses() -> None:
    status, modules = _modules_after(["check", str(TYPICAL)])
    assert status == 1
    assert not modules & set(NOT_ON_THE_CHECK_PATH), (
        "the check path imports what it does not need: records are layerlint._record "
        "classes (not dataclasses), module-level patterns are layerlint._lazyre.lazy_re, "
        "rarely needed modules are imported where they are used")
    assert all(f"layerlint.rules.{name}" in modules for name in
               ("ll101_uncached_docker_build", "ll403_image_not_exported"))


def test_check_imports_only_the_selected_rules() -> None:
    _, modules = _modules_after(["check", "--select", "LL2", "--ignore", "LL205", str(TYPICAL)])
    rules = {m for m in modules if m.startswith("layerlint.rules.ll")}
    loaded = {m.rsplit(".", 1)[1][:5].upper() for m in rules}
    assert loaded == {c for c in RULES if c.startswith("LL2")} - {"LL205"}


def test_registry_metadata_needs_no_rule_module() -> None:
    code = ("import sys\nfrom layerlint.engine import select_codes\nfrom layerlint.rules import "
            "meta\nselect_codes(['LL1', 'docker-task-build'], ['LL101'])\nmeta('LL403')\n"
            "print(sorted(m for m in sys.modules if m.startswith('layerlint.rules.ll')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    assert meta("LL101").name == "uncached-docker-build"


ARGVS = [
    ["check"], ["check", "x.yml"], ["check", "a.yml", "b", ""], ["check", "-"],
    ["check", "--select", "LL1,LL2", "--ignore", "LL205", "a", "b"],
    ["check", "--format", "json", "--output", "o.json", "--format", "sarif", "-o", "s.sarif"],
    ["check", "--fix", "--unsafe-fixes", "--show-fixes", "-q", "--statistics", "-v"],
    ["check", "--max-file-size", "10", "--agents", "hosted", "--no-ignores", "--", "-x.yml"],
    ["check", "--exclude", "a/**", "--extend-exclude", "b", "--isolated"],
]


@pytest.mark.parametrize("argv", ARGVS, ids=lambda a: " ".join(a))
def test_check_parser_reads_arguments_as_the_full_parser(argv: list[str]) -> None:
    assert vars(cli._parse(argv)) == vars(cli_parser.build_parser().parse_args(argv))


BAD = [["check", "--bogus"], ["check", "--format", "xml"], ["check", "--max-file-size", "x"],
       ["check", "--agents"], ["check", "--output"], ["check", "--vers"]]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(a))
def test_check_usage_errors_read_as_before(argv: list[str]) -> None:
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        status = cli.main(argv, stdout=io.StringIO(), stderr=err)
    expected = io.StringIO()
    parser = cli_parser.build_parser()
    try:
        parser.parse_args(argv)
    except cli._UsageError as exc:
        expected.write(parser.format_usage() + str(exc) + "\n")
    assert status == 2 and err.getvalue() == expected.getvalue() != ""


def test_check_defaults_are_the_parser_defaults() -> None:
    parsed = vars(cli_parser.build_parser().parse_args(["check"]))
    assert parsed == {**cli.CHECK_DEFAULTS, "paths": ["."]}
    first, second = cli._parse(["check", "a"]), cli._parse(["check", "b"])
    assert first.ignore is not second.ignore  # no list shared between runs


def test_check_help_is_the_sub_command_help() -> None:
    full = io.StringIO()
    with redirect_stdout(full), pytest.raises(SystemExit):
        cli_parser.build_parser().parse_args(["check", "--help"])
    short = io.StringIO()
    with redirect_stdout(short), pytest.raises(SystemExit):
        cli._parse(["check", "--help"])
    assert short.getvalue() == full.getvalue() != ""


def test_records_behave_as_the_dataclasses_they_replace() -> None:
    f = Finding("a.yml", 3, 1, "LL101", 3, 9, "uncached-docker-build", "error", "m")
    g = Finding("a.yml", 3, 1, "LL101", 4, 1, "other", "warning", "n", Fix("t", "safe"))
    assert f == g and hash(f) == hash(g) and not f < g  # compared on path, line, column, code
    assert sorted([Finding("b", 1, 1, "LL1", 1, 1, "x", "info", ""), f])[0] is f
    assert repr(Edit(1, 2, "x")) == "Edit(start=1, end=2, replacement='x')"
    assert sorted([Edit(2, 2, ""), Edit(1, 5, "b"), Edit(1, 5, "a")]) == [
        Edit(1, 5, "a"), Edit(1, 5, "b"), Edit(2, 2, "")]
    with pytest.raises(AttributeError):
        f.line = 2  # type: ignore[misc]
    with pytest.raises(ValueError):
        Finding("a", 0, 1, "LL101", 1, 1, "x", "error", "m")
    with pytest.raises(ValueError):
        Finding("a", 1, 1, "LL101", 1, 1, "x", "fatal", "m")  # type: ignore[arg-type]
    pool = Pool(True, "linux", "ubuntu-latest")
    other = replace(pool, hosted=False)
    assert (other.hosted, other.os, other.name, other.known) == (False, "linux",
                                                                   "ubuntu-latest", True)
    assert pool.hosted and pool == Pool(True, "linux", "ubuntu-latest") != other


def test_lazy_patterns_compile_on_first_use_and_replace_themselves() -> None:
    import re
    import types

    from layerlint._lazyre import lazy_re

    module = types.ModuleType("lazy_probe")
    sys.modules["lazy_probe"] = module
    try:
        module._P = lazy_re("lazy_probe", "_P", r"a(b+)", re.I)  # type: ignore[attr-defined]
        proxy = module._P  # type: ignore[attr-defined]
        assert not isinstance(proxy, re.Pattern)
        m = proxy.match("ABB")
        assert m is not None and m.group(1) == "BB"
        assert isinstance(module._P, re.Pattern)  # type: ignore[attr-defined]
        assert proxy.pattern == "a(b+)"  # a reference kept elsewhere still works
    finally:
        del sys.modules["lazy_probe"]


def test_command_exits_without_teardown_and_loses_no_output(tmp_path: Path) -> None:
    """``python -m layerlint`` (like the console script) ends with os._exit after
    flushing: the same output and status as main(), reports written in full."""
    report = tmp_path / "out.json"
    argv = ["check", str(TYPICAL), "--format", "text", "--format", "json", "-o", str(report)]
    proc = subprocess.run([sys.executable, "-m", "layerlint", *argv], capture_output=True,
                          text=True, cwd=ROOT)
    out = io.StringIO()
    status = cli.main(argv[:4], stdout=out, stderr=io.StringIO())
    assert (proc.returncode, proc.stdout, proc.stderr) == (status, out.getvalue(), "")
    assert json.loads(report.read_text())["findings"]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="winWINdowsDOWSvV2019mMaAcC- _.ıİſ\t", max_size=14))
def test_hosted_os_short_cut_agrees_with_the_patterns(image: str) -> None:
    import re

    from layerlint.pipeline.loader import _hosted_os

    windows = re.compile(r"^\s*(windows|win)|(^|[^a-z])vs20\d\d|-win(dows)?\d", re.I)
    mac = re.compile(r"^\s*mac", re.I)
    expected = "windows" if windows.search(image) else "macos" if mac.match(image) else "linux"
    assert _hosted_os(image) == expected
