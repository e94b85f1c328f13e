"""Every real-world file of the shared corpus goes through layerlint: no traceback, no
internal error, no ``error`` status except LL001 for files that are genuinely not YAML.
The corpus is a flat directory whose names do not mark pipelines, so in a walk those files
are skipped as unparsable non-pipeline YAML (rules.md, "Which unparsable files get LL001");
named one at a time, as pre-commit names them, they are LL001."""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, ROOT, run

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")

# Files the corpus manifest notes as invalid YAML as found.
KNOWN_INVALID = {"0050", "0079"}


def test_corpus_checks_without_crash(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("check", "--format", "json", str(CORPUS), cwd=ROOT)
    assert r.code in (0, 1), r.err
    assert "Traceback" not in r.err and "internal error" not in r.err
    data = json.loads(r.out)
    assert len(data["files"]) == len(list(CORPUS.iterdir()))
    assert not [f for f in data["files"] if f["status"] == "error"]
    assert not [f for f in data["findings"] if f["code"] == "LL001"]
    invalid = {s.path.rsplit("/", 1)[-1][:4] for s in run([str(CORPUS)], ROOT).files
               if "not valid YAML" in s.reason}
    assert invalid == KNOWN_INVALID
    # the corpus is chosen for its image builds: most of them must be found
    assert len(data["builds"]) > 150
    codes = {f["code"] for f in data["findings"]}
    assert {"LL101", "LL102", "LL103", "LL002"} <= codes


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()) if CORPUS.is_dir()
                         else [])
def test_each_corpus_file_alone(cli, name: str) -> None:  # type: ignore[no-untyped-def]
    """As pre-commit would call it: one file at a time."""
    r = cli("check", "--format", "json", str(CORPUS / name), cwd=ROOT)
    assert r.code in (0, 1) and r.err == ""
    ll001 = [f for f in json.loads(r.out)["findings"] if f["code"] == "LL001"]
    assert bool(ll001) == (name[:4] in KNOWN_INVALID)
