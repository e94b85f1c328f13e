from __future__ import annotations

import io
from pathlib import Path

import pytest

from layerlint.cli import main
from layerlint.engine import Engine, Result

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "files"


def run(paths: list[str], cwd: Path, codes: set[str] | None = None) -> Result:
    return Engine(codes, cwd=cwd).run(paths)


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def invoke(*argv: str, cwd: Path | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return invoke
