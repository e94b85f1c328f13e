"""The fixer: golden fixed files, idempotence, comments kept, atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from layerlint.engine import Engine
from layerlint.finding import Edit, Fix
from layerlint.fixer import (
    apply_edits,
    encode_like,
    fix_document,
    fix_paths,
    select_fixes,
    write_atomic,
)

from conftest import ROOT

CASES = ROOT / "tests" / "fixes"
INPUTS = sorted(p for p in CASES.glob("*.yml") if not p.name.endswith(".fixed.yml"))
FIXED_CODES = {"LL101", "LL102", "LL201", "LL202", "LL203"}


def _fix(path: Path) -> tuple[str, Engine]:
    engine = Engine(cwd=path.parent)
    doc = engine.document(path)
    assert not isinstance(doc, Exception)
    outcome = fix_document(engine, doc, CASES)
    assert outcome.error is None and outcome.rejected == []
    return outcome.fixed, engine


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden(path: Path) -> None:
    fixed, _ = _fix(path)
    expected = path.with_name(path.stem + ".fixed.yml")
    if expected.exists():
        assert encode_like(fixed, path.read_bytes()) == expected.read_bytes()
    else:
        assert fixed == path.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_fixed_files_are_clean_and_stable(path: Path) -> None:
    expected = path.with_name(path.stem + ".fixed.yml")
    if not expected.exists():
        pytest.skip("no fix expected")
    engine = Engine(cwd=CASES)
    doc = engine.document(expected)
    assert not isinstance(doc, Exception)
    remaining = [f for f in engine.check_document(doc, CASES)
                 if f.code in FIXED_CODES and f.fix is not None]
    assert remaining == []
    assert fix_document(engine, doc, CASES).fixed == doc.text  # idempotent
    original = path.read_text(encoding="utf-8-sig")
    comments = [line.strip() for line in original.splitlines() if line.strip().startswith("#")]
    assert all(c in doc.text for c in comments)


def test_unfixable_layouts_are_reported_without_fix() -> None:
    engine = Engine({"LL101"}, cwd=CASES)
    result = engine.run(["ll101_nofix.yml"])
    assert len(result.findings) == 4
    # none is fixed by a safe fix, and every finding without a fix says why
    assert all(f.fix is None or f.fix.applicability == "unsafe" for f in result.findings)
    assert all(f.no_fix for f in result.findings if f.fix is None)
    reasons = " ".join(f.no_fix for f in result.findings)
    assert "Windows" in reasons and "--no-cache" in reasons and "block list item" in reasons


def test_apply_edits_skips_overlaps_and_select_fixes_keeps_fixes_whole() -> None:
    assert apply_edits("abcdef", [Edit(1, 3, "X"), Edit(2, 4, "Y"), Edit(5, 5, "!")]) == "aXde!f"
    a = Fix("a", "safe", (Edit(0, 2, "A"),))
    b = Fix("b", "safe", (Edit(1, 3, "B"), Edit(5, 6, "b")))
    c = Fix("c", "safe", (Edit(4, 4, "C"),))
    assert select_fixes([b, a, c]) == [a, c]


def _repo(tmp_path: Path, text: str) -> Path:
    (tmp_path / ".git").mkdir()
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(text)
    return path


def test_fix_paths_writes_atomically_and_keeps_mode(tmp_path: Path) -> None:
    path = _repo(tmp_path, "steps:\n- script: docker build -t app .\n")
    os.chmod(path, 0o640)
    outcomes = fix_paths(Engine(cwd=tmp_path), ["."])
    assert [o.written for o in outcomes] == [True]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "docker buildx build --builder layerlint" in path.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".layerlint")] == []
    assert fix_paths(Engine(cwd=tmp_path), ["."]) == []  # nothing left to do


def test_diff_mode_writes_nothing(tmp_path: Path) -> None:
    path = _repo(tmp_path, "steps:\n- script: docker build -t app .\n")
    before = path.read_bytes()
    outcomes = fix_paths(Engine(cwd=tmp_path), ["."], write=False)
    assert path.read_bytes() == before
    assert outcomes[0].diff().startswith("--- a/azure-pipelines.yml\n+++ b/azure-pipelines.yml")


def test_invalid_yaml_is_never_written(tmp_path: Path) -> None:
    path = _repo(tmp_path, "steps:\n- script: docker build .\n  x: [\n")
    before = path.read_bytes()
    assert fix_paths(Engine(cwd=tmp_path), ["."]) == []
    assert path.read_bytes() == before


def test_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = _repo(tmp_path, "steps: []\n")
    original = path.read_bytes()
    path.write_text("steps: [] # edited meanwhile\n")
    with pytest.raises(OSError, match="changed on disk"):
        write_atomic(path, "new", original)
    assert path.read_text() == "steps: [] # edited meanwhile\n"


def test_write_failure_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _repo(tmp_path, "steps:\n- script: docker build -t app .\n")
    before = path.read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    outcomes = fix_paths(Engine(cwd=tmp_path), ["."])
    assert outcomes[0].written is False and "No space left" in (outcomes[0].error or "")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".layerlint")] == []


def test_encode_like_keeps_bom_and_utf16() -> None:
    assert encode_like("a", b"\xef\xbb\xbfx") == b"\xef\xbb\xbfa"
    assert encode_like("a", "x".encode("utf-16-le")) == b"a"  # no BOM: plain UTF-8
    assert encode_like("a", b"\xff\xfex\x00") == b"\xff\xfea\x00"


def test_command_whose_end_the_lexer_guessed_is_not_rewritten(tmp_path: Path) -> None:
    """Found by the property test: in bash a backtick opens a substitution, so
    ``docker build \\``` swallows the rest of the script; rewriting it ate the line break
    after the block scalar and merged the next step into this one. Fixes now only insert
    flags right after the verb, so the command's guessed end is never touched."""
    text = ("steps:\n- script: |\n    docker build `\n      -t app .\n"
            "- script: |\n    echo 'unterminated\n    docker build -t b .\n"
            "- script: |\n    docker build -t app .\n")
    path = _repo(tmp_path, text)
    engine = Engine(cwd=tmp_path)
    fixes = [f.fix is not None for f in engine.run(["."]).findings if f.code == "LL101"]
    assert fixes == [True, True]  # the quoted one is no command at all
    outcome = fix_paths(Engine(cwd=tmp_path), ["."])[0]
    fixed = path.read_text()
    assert outcome.written and not outcome.rejected
    assert "`\n      -t app .\n" in fixed
    assert "- script: |\n    echo 'unterminated\n    docker build -t b .\n" in fixed


def test_fixer_refuses_a_result_with_other_steps_than_the_fixes_add() -> None:
    from collections import Counter

    from layerlint.document import parse_text
    from layerlint.fixer import _attempt, count_steps

    text = "steps:\n- script: a\n- ${{ if true }}:\n  - script: b\n- script: c\n"
    doc = parse_text(Path("p.yml"), "p.yml", text)
    assert count_steps(doc.root) == 3
    at = text.index("\n- script: c")
    merge = Fix("merges c into b", "safe", (Edit(at, at + len("\n- script: c"),
                                                  "\n    displayName: c"),))
    _, new, why = _attempt(doc, [merge], Counter())
    assert new is None and "2 steps, not 3" in why  # it parses, and is still refused
    insert = Fix("adds one", "safe", (Edit(at + 1, at + 1, "- script: x\n"),), steps_added=1)
    assert _attempt(doc, [insert], Counter())[1] is not None
