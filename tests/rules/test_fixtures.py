"""One runner for every rule's fixtures: ``tests/rules/<code>/bad/*.yml`` must produce
exactly the findings listed in the sibling ``*.expected`` (``line:col CODE`` per line) for
that rule, and ``good/*.yml`` must produce none of that rule's findings. When
``bad/X.fixed.yml`` exists, applying that rule's fixes to ``bad/X.yml`` must give exactly
its text, and the fixed text must have no finding of that rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerlint.discover import repo_root_for
from layerlint.document import Document, parse_text
from layerlint.engine import Engine
from layerlint.fixer import apply_edits, select_fixes
from layerlint.rules import RULES

HERE = Path(__file__).parent
BAD = sorted(p for p in HERE.glob("ll*/bad/*.yml") if not p.name.endswith(".fixed.yml"))
GOOD = sorted(HERE.glob("ll*/good/*.yml"))
FIXED = sorted(HERE.glob("ll*/bad/*.fixed.yml"))


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


def fix_once(path: Path, code: str) -> tuple[str, Engine, Path]:
    """The text of ``path`` with every fix of ``code``'s findings in it applied once."""
    engine = Engine({code}, cwd=path.parent)
    doc = engine.document(path)
    assert isinstance(doc, Document)
    root = repo_root_for(path.parent, path.parent)
    findings = [f for f in engine.check_document(doc, root)
                if f.code == code and f.path == doc.display]
    fixes = select_fixes(f.fix for f in findings if f.fix is not None)
    assert fixes, f"{path.name}: no {code} finding offers a fix"
    return apply_edits(doc.text, [e for fix in fixes for e in fix.edits]), engine, root


@pytest.mark.parametrize("fixed", FIXED, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_fixed(fixed: Path) -> None:
    code = _code(fixed)
    source = fixed.with_name(fixed.name.replace(".fixed.yml", ".yml"))
    text, engine, root = fix_once(source, code)
    expected = fixed.read_bytes().decode("utf-8")
    assert text == expected
    after = parse_text(source.resolve(), source.name, text)
    assert [f for f in engine.check_document(after, root) if f.code == code] == []


def test_every_rule_has_fixtures() -> None:
    for code in RULES:
        folder = HERE / code.lower()
        assert list(folder.glob("bad/*.yml")), f"{code} has no bad fixture"
        assert list(folder.glob("good/*.yml")), f"{code} has no good fixture"
