"""The fix-safety checks of issue 10 on pipelines nobody here tuned the fixer for: the 252
files of ``shared/corpus`` (from as many public repositories) as one directory, fixed with
``--fix`` and with ``--fix --unsafe-fixes``. Every check of :mod:`fixsafety.checks` must hold
(shell behaviour of each changed region under a failing and a succeeding ``docker`` stub,
build arguments kept, keys per job and leg, no fix in Windows/macOS jobs, conditions and
the cache dir, ``${{ }}`` expressions, idempotence, no new finding).

The corpus is not a checkout (Dockerfiles and compose files are missing), so fixes that
need them are withheld or unsafe there; what is offered must still be right.
"""

from __future__ import annotations

import shutil

import pytest
from fixsafety.checks import CHECKS, RepoRun, coverage, run_repo

from conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


@pytest.fixture(scope="module", params=[False, True], ids=["safe", "unsafe"])
def corpus_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> RepoRun:
    src = tmp_path_factory.mktemp("corpus-src")
    for f in CORPUS.iterdir():
        shutil.copyfile(f, src / f.name)  # the shared corpus is read-only
    return run_repo(src, tmp_path_factory.mktemp("corpus-run"), bool(request.param))


@pytest.mark.parametrize("check", list(CHECKS))
def test_corpus_fixes_keep_behaviour(corpus_run: RepoRun, check: str) -> None:
    failures = CHECKS[check](corpus_run)
    assert not failures, "\n\n".join(str(f) for f in failures[:10])


def test_corpus_fixes_are_offered(corpus_run: RepoRun) -> None:
    """Not a coverage target (the corpus is no checkout), a guard that the checks above
    judged real fixes: most LL101 findings outside Windows/macOS jobs are fixed."""
    c = coverage(corpus_run)
    assert c.ll101 > 50 and c.applied >= c.ll101 // 3, c
