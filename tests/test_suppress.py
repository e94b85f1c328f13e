"""Inline suppressions: YAML comments, script comments inside block scalars, the line
before or the same line, whole files, reasons, quoted ``#``, --no-ignores, unused ones."""

from __future__ import annotations

from pathlib import Path

from layerlint.document import parse_text
from layerlint.engine import Engine
from layerlint.suppress import parse

PIPELINE = """\
steps:
- script: docker build -t a .  # layerlint: disable=LL101 -- legacy, see #12
- script: 'echo "# layerlint: disable=LL101"; docker build -t b .'
# layerlint: disable=uncached-docker-build
- script: docker build -t c .
- script: |
    echo start
    # layerlint: disable=LL101 -- base image is built elsewhere
    docker build -t d .
    echo "# layerlint: disable=LL101"
    docker build -t e .
- pwsh: |
    # layerlint: disable=LL1
    docker build -t f .
    docker build -t g .   # it's not a directive: layerlint: disable=LL101
- script: docker build -t h .  # layerlint: disable=LL202
- script: |  # layerlint: disable=LL101
    docker build -t i .
"""


def _lines(tmp_path: Path, text: str, **kw: object) -> list[int]:
    (tmp_path / "p.yml").write_text(text)
    result = Engine({"LL101"}, cwd=tmp_path, **kw).run(["p.yml"])  # type: ignore[arg-type]
    return [f.line for f in result.findings]


def test_directives_where_users_put_them(tmp_path: Path) -> None:
    assert _lines(tmp_path, PIPELINE) == [3, 11, 15, 16]


def test_no_ignores_reports_everything(tmp_path: Path) -> None:
    assert _lines(tmp_path, PIPELINE, inline_ignores=False) == [2, 3, 5, 9, 11, 14, 15, 16, 18]


def test_disable_file(tmp_path: Path) -> None:
    text = "# layerlint: disable-file=LL101,LL201\n" + PIPELINE
    assert _lines(tmp_path, text) == []
    # the lines move down by one
    assert _lines(tmp_path, "# layerlint: disable-file=LL2\n" + PIPELINE) == [4, 12, 16, 17]


def test_unused_suppressions(tmp_path: Path) -> None:
    (tmp_path / "p.yml").write_text(PIPELINE)
    result = Engine({"LL101"}, cwd=tmp_path).run(["p.yml"])
    assert result.unused_suppressions == ["p.yml:16: unused suppression disable=LL202"]


def test_parse_records_reason_and_targets() -> None:
    doc = parse_text(Path("/x/p.yml"), "p.yml", PIPELINE)
    sups = parse(doc)
    assert [(s.line, s.targets, s.codes) for s in sups] == [
        (2, (2,), ("LL101",)),
        (4, (5,), ("uncached-docker-build",)),
        (8, (9,), ("LL101",)),
        (13, (14,), ("LL1",)),
        (16, (16,), ("LL202",)),
        (17, (17, 18), ("LL101",)),
    ]
    assert sups[0].reason == "legacy, see #12"
    assert sups[2].reason == "base image is built elsewhere"


def test_cli_no_ignores_and_verbose(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yml").write_text(PIPELINE)
    r = cli("check", "-q", "--select", "LL101", "-v", ".", cwd=tmp_path)
    findings = [line for line in r.out.splitlines() if not line.startswith(" ")]
    assert r.code == 1 and len(findings) == 4
    assert all(line.startswith(("    fix (", "    no fix: ")) for line in r.out.splitlines()
               if line.startswith(" "))  # -v says what each finding's fix is, or why none
    assert "p.yml:16: unused suppression disable=LL202" in r.err
    r = cli("check", "-q", "--select", "LL101", "--no-ignores", ".", cwd=tmp_path)
    assert len(r.out.splitlines()) == 9
