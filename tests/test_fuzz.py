"""A small seeded sample of ``bench/fuzz.py``'s mutation fuzzing: corpus files with
truncations, byte flips, indentation shifts, tabs, deleted colons, duplicated keys, invalid
UTF-8, UTF-16, NUL bytes, huge lines, deep nesting, alias bombs and shell noise never make
``check`` or ``--fix`` raise or report an internal error. The full run (>= 20,000 mutants)
is ``python bench/fuzz.py``."""

from __future__ import annotations

import functools
import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = 7
SAMPLE = 1000


def _load() -> ModuleType:
    name = "layerlint_bench_fuzz"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "fuzz.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while being built
        spec.loader.exec_module(module)
    return sys.modules[name]


fuzz = _load()
# the suite's huge lines are tens of kilobytes, not hundreds: the full run covers those
SMALL = {**fuzz.MUTATORS, "huge_line": functools.partial(fuzz.huge_line, sizes=(2_000, 20_000))}
SOURCES = fuzz.sources()


def test_mutants_are_reproducible_from_seed_and_index() -> None:
    first = [fuzz.mutant(SEED, i, SOURCES) for i in range(50)]
    assert first == [fuzz.mutant(SEED, i, SOURCES) for i in range(50)]
    assert len({data for data, _, _ in first}) > 40  # and they differ from each other
    assert fuzz.mutant(SEED, 0, SOURCES) != fuzz.mutant(SEED + 1, 0, SOURCES)


@pytest.mark.parametrize("name", sorted(fuzz.MUTATORS))
def test_every_mutator_handles_any_input(name: str) -> None:
    mutate = fuzz.MUTATORS[name]
    rng = random.Random(name)
    for data in (b"", b"x", b"steps:\n- script: docker build .\n", SOURCES[0][1]):
        assert isinstance(mutate(data, rng), bytes)


def test_mutators_do_what_they_say() -> None:
    rng = random.Random(1)
    text = b"steps:\n- script: docker build .\n  displayName: b\n"
    assert fuzz.utf16_bom(text, rng)[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert b"\x00" in fuzz.nul_bytes(text, rng)
    assert b":" not in fuzz.delete_colon(b"a:", rng)
    assert fuzz.duplicate_key(text, rng).count(b"\n") == text.count(b"\n") + 1
    assert len(fuzz.huge_line(text, rng, sizes=(50_000,))) > 50_000
    cut = fuzz.truncate(text, rng)
    assert text.startswith(cut) and len(cut) <= len(text)
    with pytest.raises(UnicodeDecodeError):
        fuzz.invalid_utf8(text, rng).decode("utf-8")


def test_seeded_sample_never_raises(tmp_path: Path) -> None:
    failures = []
    names: set[str] = set()
    for index in range(SAMPLE):
        data, source, mutators = fuzz.mutant(SEED, index, SOURCES, SMALL)
        names.update(mutators)
        tracebacks, internal = fuzz.check_bytes(data, tmp_path / f"m{index}")
        if tracebacks or internal:
            what = fuzz._clip((tracebacks or internal)[0], 200)
            failures.append(f"mutant {index} ({source} + {', '.join(mutators)}):\n{what}")
    assert names == set(fuzz.MUTATORS)  # the sample exercises every mutator
    assert failures == [], "\n\n".join(failures[:3])


def test_check_bytes_counts_what_escapes_and_internal_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from layerlint.fixes import plan

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    text = b"steps:\n- script: docker build -t app .\n"
    assert fuzz.check_bytes(text, tmp_path / "ok") == ([], [])
    monkeypatch.setattr(plan, "dockerfile_of", boom)  # LL101's fix: in check and in fix
    tracebacks, internal = fuzz.check_bytes(text, tmp_path / "bad")
    # check and fix both catch it per file and say so: an internal error each, no traceback
    assert len(internal) == 2 and all("boom" in i for i in internal) and tracebacks == []
    from layerlint import fixer

    monkeypatch.setattr(fixer, "iter_files", boom)  # outside the per-file guard: escapes
    tracebacks, _ = fuzz.check_bytes(text, tmp_path / "worse")
    assert [t.split(":", 1)[0] for t in tracebacks] == ["fix"]
