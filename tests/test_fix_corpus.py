"""Issue 4's guarantees over every corpus file that has a fixable finding: after ``--fix``
the result parses, no fixable finding of the fixed rules remains, fixing again changes
nothing, every comment line survives, every changed line lies inside the steps the fixes
edited, and the result still validates against the official Azure Pipelines schema
wherever the original did (check-jsonschema's vendored copy)."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from layerlint.engine import Engine
from layerlint.fixer import fix_paths
from layerlint.fixes.yamltext import item_slot
from layerlint.pipeline.loader import Loader

from conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
FIXED_CODES = {"LL101", "LL102", "LL201", "LL202", "LL203"}


@pytest.fixture(scope="module")
def fixed_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list]:  # type: ignore[type-arg]
    before = tmp_path_factory.mktemp("before")
    after = tmp_path_factory.mktemp("after")
    for repo in (before, after):
        (repo / ".git").mkdir()
        for f in CORPUS.iterdir():
            shutil.copyfile(f, repo / f.name)  # the shared corpus is read-only
    outcomes = fix_paths(Engine(cwd=after), ["."])
    return before, after, outcomes


def _step_lines(repo: Path, name: str) -> set[int]:
    """0-based lines of every step of the original file (with the comments above it), and
    the line just after each step (where a step inserted after it starts)."""
    engine = Engine(cwd=repo)
    doc = engine.document(repo / name)
    assert not isinstance(doc, Exception)
    pipeline = Loader(repo, engine.document).load(doc)
    lines: set[int] = set()
    for job in pipeline.jobs:
        for step in job.steps:
            if step.doc.path != doc.path:
                continue
            slot = item_slot(doc, step.node)
            if slot is None:
                continue
            first = doc.text.count("\n", 0, slot.start)
            last = doc.text.count("\n", 0, max(slot.start, slot.end - 1))
            while first > 0 and doc.text.splitlines()[first - 1].strip().startswith("#"):
                first -= 1
            lines.update(range(first, last + 2))
    return lines


def test_corpus_fixes(fixed_corpus: tuple[Path, Path, list]) -> None:  # type: ignore[type-arg]
    before, after, outcomes = fixed_corpus
    assert len(outcomes) >= 40, "the corpus has many fixable files"
    assert [o.error for o in outcomes if o.error] == []
    assert [r for o in outcomes for r in o.rejected] == []
    result = Engine(cwd=after).run(["."])
    assert not result.internal_errors
    left = [f for f in result.findings if f.code in FIXED_CODES and f.fix is not None
            and f.fix.applicability == "safe"]
    assert left == []
    assert fix_paths(Engine(cwd=after), ["."]) == []  # idempotent
    for outcome in outcomes:
        name = outcome.path.name
        old = (before / name).read_text(encoding="utf-8-sig")
        new = (after / name).read_text(encoding="utf-8-sig")
        comments = [x.strip() for x in old.splitlines() if x.strip().startswith("#")]
        assert all(c in new for c in comments), name
        allowed = _step_lines(before, name)
        matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(),
                                          autojunk=False)
        for tag, i1, i2, _, _ in matcher.get_opcodes():
            if tag == "equal":
                continue
            touched = set(range(i1, i2)) if i2 > i1 else {i1}
            assert touched <= allowed | {max(allowed, default=0) + 1}, (name, tag, i1, i2)


def _schema_failures(paths: list[Path]) -> set[str]:
    proc = subprocess.run(
        ["check-jsonschema", "--builtin-schema", "vendor.azure-pipelines", "--data-transform",
         "azure-pipelines", "--regex-variant", "nonunicode", "-o", "json",
         *map(str, paths)], capture_output=True, text=True, check=False)
    data = json.loads(proc.stdout)
    bad = {Path(e["filename"]).name for e in data.get("errors", [])}
    return bad | {Path(e["filename"]).name for e in data.get("parse_errors", [])}


@pytest.mark.skipif(shutil.which("check-jsonschema") is None, reason="check-jsonschema missing")
def test_corpus_fixes_keep_schema_validity(fixed_corpus: tuple[Path, Path, list]) -> None:  # type: ignore[type-arg]
    before, after, outcomes = fixed_corpus
    names = [o.path.name for o in outcomes]
    invalid_before = _schema_failures([before / n for n in names])
    invalid_after = _schema_failures([after / n for n in names])
    assert invalid_after <= invalid_before
    assert len(names) - len(invalid_before) >= 10  # the check means something
