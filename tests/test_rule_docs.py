"""Every rule's documented examples are tested inputs (issue 11, item 8): the *Bad
example* produces exactly one finding of that rule, the *Good example* none, and neither
is invalid YAML or names a missing template (unless that is the rule). An example may
hold more files than the pipeline: a line ``# path/to/file.yml`` at column 0 starts the
next file."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from layerlint.docs import rule_sections
from layerlint.engine import Engine
from layerlint.rules import RULES

FILE_MARK = re.compile(r"^# (\S+\.(?:ya?ml|json|lock|toml))\s*$")


def example_files(text: str) -> dict[str, str]:
    files: dict[str, list[str]] = {"azure-pipelines.yml": []}
    current = "azure-pipelines.yml"
    for line in text.splitlines():
        m = FILE_MARK.match(line)
        if m:
            current = m.group(1)
            files[current] = []
            continue
        files[current].append(line)
    return {name: "\n".join(lines).strip("\n") + "\n" for name, lines in files.items()}


def _example(code: str, which: str) -> str:
    sections = dict(rule_sections(code))
    assert f"{which} example" in sections, f"{code} has no {which} example"
    return sections[f"{which} example"]


def _findings(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    for name, body in example_files(text).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = Engine(cwd=tmp_path).run(["azure-pipelines.yml"])
    [status] = [s for s in result.files if s.path == "azure-pipelines.yml"]
    if not any(c == "LL001" for c in (f.code for f in result.findings)):
        assert status.status == "linted", f"the example is not a pipeline: {status.reason}"
    return [(f.code, f.message) for f in result.findings]


def _params(which: str) -> list[object]:
    return [pytest.param(code, which, id=f"{code}-{which.lower()}") for code in RULES]


@pytest.mark.parametrize(("code", "which"), _params("Bad") + _params("Good"))
def test_documented_example(tmp_path: Path, code: str, which: str) -> None:
    found = _findings(tmp_path, _example(code, which))
    mine = [m for c, m in found if c == code]
    invalid = [(c, m) for c, m in found if c in ("LL001", "LL002") and c != code]
    assert invalid == [], f"{code} {which} example: {invalid}"
    if which == "Bad":
        assert len(mine) == 1, f"{code} Bad example gives {found}"
    else:
        assert mine == [], f"{code} Good example gives {mine}"


@pytest.mark.parametrize("code", list(RULES))
def test_rule_docstrings_keep_their_backslashes(code: str) -> None:
    """A backslash continuation in a plain docstring is eaten by Python: the docstring
    of a rule whose text holds a backslash must be raw."""
    source = Path(RULES[code].__file__ or "").read_text(encoding="utf-8")
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    literal = ast.get_source_segment(source, node.value) or ""
    if "\\" in literal:
        assert literal.startswith(("r", "R")), f"{code}: make the docstring raw (r\"\"\")"
