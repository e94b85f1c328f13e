"""--shard I/N + merge equal the unsharded run; the result cache makes a re-audit of
unchanged repositories lint nothing, and notices a changed file; --jobs N equals --jobs 1."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import CACHED, TEMPLATE, TEMPLATE_CALLER, UNCACHED, audit, load, write_repo

from layerlint.audit import runner
from layerlint.audit.model import RepoSpec
from layerlint.audit.shard import parse_shard, select, shard_of

KINDS = ({"azure-pipelines.yml": UNCACHED}, {"ci.yml": CACHED},
         {"main.yml": TEMPLATE_CALLER, "templates/build.yml": TEMPLATE}, {})


def _repos(tmp_path: Path, count: int = 9) -> list[Path]:
    return [write_repo(tmp_path / "repos" / f"r{i}", {"README.md": "x", **KINDS[i % 4]})
            for i in range(count)]


def test_shards_merge_to_the_full_run(tmp_path: Path) -> None:
    repos = _repos(tmp_path)
    cache = tmp_path / "cache"
    full = tmp_path / "full.json"
    assert audit(*repos, tmp_path / "missing", "--json", full, "--cache-dir", cache, "-q",
                 "--jobs", "1").code == 1
    parts = []
    for i in (1, 2, 3):
        part = tmp_path / f"part{i}.json"
        shuffled = [*repos, tmp_path / "missing"]
        random.Random(i).shuffle(shuffled)  # each shard sees the list in another order
        audit(*shuffled, "--shard", f"{i}/3", "--json", part, "--cache-dir", cache, "-q")
        parts.append(part)
    sizes = [len(load(p)["repositories"]) for p in parts]
    assert sum(sizes) == 10 and sum(1 for size in sizes if size) >= 2
    merged = tmp_path / "merged.json"
    run = audit("merge", merged, *parts, "--html", tmp_path / "r.html", "--csv",
                tmp_path / "r.csv", "--markdown", tmp_path / "r.md")
    assert run.code == 1
    assert load(merged) == load(full)
    assert run.out.startswith("layerlint audit: 10 repositories")
    assert (tmp_path / "r.html").read_text().count("<svg") == 3
    # overlapping parts are not shards of one run
    overlap = audit("merge", tmp_path / "bad.json", parts[0], parts[0])
    assert overlap.code == 2 and "more than one part" in overlap.err
    not_audit = tmp_path / "x.json"
    not_audit.write_text('{"version": 1, "findings": []}')
    assert audit("merge", tmp_path / "bad.json", not_audit).code == 2


def test_shard_assignment_is_stable() -> None:
    specs = [RepoSpec(f"r{i}", f"https://example.com/r{i}.git", "git", "") for i in range(200)]
    assert parse_shard("2/5") == (2, 5)
    for n in (1, 2, 7):
        chosen = [select(specs, i, n) for i in range(1, n + 1)]
        assert sorted(s.name for part in chosen for s in part) == sorted(s.name for s in specs)
        reversed_specs = list(reversed(specs))
        assert [sorted(s.name for s in select(reversed_specs, i, n)) for i in range(1, n + 1)
                ] == [sorted(s.name for s in part) for part in chosen]
    counts = [sum(1 for s in specs if shard_of(s, 4) == i) for i in range(1, 5)]
    assert min(counts) > 30  # roughly even
    # a pure function of the repository's kind and source, pinned so it never drifts
    # (shards of one run may be computed by different layerlint installations)
    assert [shard_of(s, 4) for s in specs[:8]] == [2, 1, 2, 3, 4, 4, 1, 2]
    assert shard_of(RepoSpec("renamed", specs[0].source, "git", "elsewhere"), 4) == 2


def test_cache_reuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the layerlint code is part of the key; hold it still while others edit the tree
    monkeypatch.setattr(runner, "code_fingerprint", lambda: "fixed")
    repos = _repos(tmp_path, 4)
    cache = tmp_path / "cache"
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    audit(*repos, "--json", first, "--cache-dir", cache, "-q", "--jobs", "1")
    assert len(list((cache / "results").rglob("*.json"))) == 4

    linted: list[Path] = []
    real = runner._lint

    def spy(root: Path, extra: list[str], options: runner.Options,
            links: tuple[runner.Link, ...] = ()) -> dict[str, Any]:
        linted.append(root)
        return real(root, extra, options, links)

    monkeypatch.setattr(runner, "_lint", spy)
    run = audit(*repos, "--json", second, "--cache-dir", cache, "--jobs", "1")
    assert linted == [] and load(second) == load(first)
    assert "(4 cached)" in run.err
    (repos[1] / "ci.yml").write_text(UNCACHED)  # one repository changes
    audit(*repos, "--json", second, "--cache-dir", cache, "-q", "--jobs", "1")
    assert linted == [repos[1]]
    assert [f["code"] for f in load(second)["repositories"][1]["findings"]] == ["LL101"]
    audit(*repos, "--json", second, "--cache-dir", cache, "-q", "--jobs", "1", "--no-cache")
    assert len(linted) == 5
    # other options, other results: --select is part of the key
    audit(*repos, "--json", second, "--cache-dir", cache, "-q", "--jobs", "1", "--select",
          "LL2")
    assert len(linted) == 9 and load(second)["totals"]["by_rule"].get("LL101") is None


def test_parallel_equals_serial(tmp_path: Path) -> None:
    repos = _repos(tmp_path, 6)
    one, two = tmp_path / "1.json", tmp_path / "2.json"
    audit(*repos, "--json", one, "--no-cache", "--cache-dir", tmp_path / "c", "-q", "-j", "1")
    audit(*repos, "--json", two, "--no-cache", "--cache-dir", tmp_path / "c", "-q", "-j", "2")
    assert load(one) == load(two)
    assert not (tmp_path / "c" / "results").exists()


def test_cache_key_follows_the_layerlint_code(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"azure-pipelines.yml": UNCACHED})
    spec = RepoSpec("r", str(repo), "local", str(repo))

    def options(salt: str) -> runner.Options:
        return runner.Options(None, 1 << 20, tmp_path / "cache", True, salt)

    assert not runner.audit_repo(spec, options("v1")).from_cache
    assert runner.audit_repo(spec, options("v1")).from_cache
    assert not runner.audit_repo(spec, options("v2")).from_cache
    assert runner.code_fingerprint() == runner.code_fingerprint()
