"""One runner for every rule's fixtures: ``tests/rules/<code>/bad/*.yml`` must produce
exactly the findings listed in the sibling ``*.expected`` (``line:col CODE`` per line) for
that rule, and ``good/*.yml`` must produce none of that rule's findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerlint.engine import Engine
from layerlint.rules import RULES

HERE = Path(__file__).parent
BAD = sorted(HERE.glob("ll*/bad/*.yml"))
GOOD = sorted(HERE.glob("ll*/good/*.yml"))


def _code(path: Path) -> str:
    return path.parent.parent.name.upper()


def _found(path: Path, code: str) -> list[str]:
    result = Engine({code}, cwd=path.parent).run([path.name])
    return sorted(f"{f.line}:{f.column} {f.code}" for f in result.findings if f.code == code)


@pytest.mark.parametrize("path", BAD, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_bad(path: Path) -> None:
    expected_file = path.with_suffix(".expected")
    expected = sorted(line.strip() for line in expected_file.read_text().splitlines()
                      if line.strip())
    assert expected, f"{expected_file} lists no findings"
    assert _found(path, _code(path)) == expected


@pytest.mark.parametrize("path", GOOD, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_good(path: Path) -> None:
    assert _found(path, _code(path)) == []


def test_every_rule_has_fixtures() -> None:
    for code in RULES:
        folder = HERE / code.lower()
        assert list(folder.glob("bad/*.yml")), f"{code} has no bad fixture"
        assert list(folder.glob("good/*.yml")), f"{code} has no good fixture"
