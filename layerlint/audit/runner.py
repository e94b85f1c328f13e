"""Audit repositories in parallel worker processes, each with its own
:class:`~layerlint.engine.Engine` (the check pipeline, unchanged), and cache each
repository's result under a hash of its files' contents, the layerlint code and the options:
re-auditing unchanged repositories reads the files, hashes them and lints nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerlint.audit.model import RepoReport, RepoSpec


@dataclass(frozen=True)
class Options:
    codes: frozenset[str] | None
    max_bytes: int
    cache_dir: Path
    use_cache: bool = True
    salt: str = ""  # the layerlint code fingerprint; see code_fingerprint()


@dataclass(frozen=True)
class Outcome:
    report: RepoReport
    checked: int
    from_cache: bool


def code_fingerprint() -> str:
    """A hash of layerlint's own source, so a cached result never outlives the code that
    produced it (a release, or a git checkout between runs)."""
    import layerlint

    digest = hashlib.sha256(layerlint.__version__.encode())
    for path in sorted(Path(layerlint.__file__).parent.rglob("*.py")):
        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class ResultCache:
    def __init__(self, directory: Path, enabled: bool) -> None:
        self.directory = directory / "results"
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put(self, key: str, data: dict[str, Any]) -> None:
        if not self.enabled:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time


def local_fingerprint(root: Path, extra: Iterable[str] = ()) -> str:
    """A hash of the YAML files in ``root`` (and ``extra``), by path and content: a superset
    of what the engine reads (it walks the same tree, skipping the same directories), so a
    change to any file it reads changes the hash."""
    from layerlint.discover import SKIP_DIRS, YAML_SUFFIXES

    names: list[str] = list(extra)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        rel = os.path.relpath(dirpath, root)
        names += [os.path.normpath(os.path.join(rel, f)) for f in filenames
                  if f.lower().endswith(YAML_SUFFIXES)]
    digest = hashlib.sha256()
    for name in sorted(set(names)):
        try:
            content = (root / name).read_bytes()
        except OSError as exc:
            content = f"unreadable: {exc}".encode()
        digest.update(f"{name}\0{hashlib.sha256(content).hexdigest()}\0".encode())
    return digest.hexdigest()


def _lint(root: Path, extra: list[str], options: Options) -> dict[str, Any]:
    from layerlint.engine import Engine
    from layerlint.report.json_report import to_data

    codes = set(options.codes) if options.codes is not None else None
    result = Engine(codes, max_bytes=options.max_bytes, cwd=root).run([".", *extra])
    data = to_data(result)
    return {"files": data["files"], "findings": data["findings"], "builds": data["builds"],
            "internal_errors": result.internal_errors}


def _cached_lint(key: str, cache: ResultCache, lint: Callable[[], dict[str, Any]],
                 options: Options) -> tuple[dict[str, Any], bool]:
    full = hashlib.sha256(f"{options.salt}\0{sorted(options.codes or ['*'])}\0"
                          f"{options.max_bytes}\0{key}".encode()).hexdigest()
    hit = cache.get(full)
    if hit is not None:
        return hit, True
    data = lint()
    if not data["internal_errors"]:
        cache.put(full, data)
    return data, False


def audit_repo(spec: RepoSpec, options: Options) -> Outcome:
    """Audit one repository; never raises (a failure is the report's ``error``)."""
    report = RepoReport(spec.name, spec.source, error=spec.error)
    if spec.error is not None:
        return Outcome(report, 0, False)
    try:
        data, hit = _materialise_and_lint(spec, options)
    except Exception as exc:  # any failure of one repository is reported, the rest go on
        from layerlint.audit.azure_devops import AzureDevOpsError
        from layerlint.audit.sources import CloneError

        known = isinstance(exc, CloneError | AzureDevOpsError | OSError)
        report.error = str(exc) if known else f"internal error: {exc!r}"
        return Outcome(report, 0, False)
    report.files, report.findings, report.builds = data["files"], data["findings"], data[
        "builds"]
    if data["internal_errors"]:
        report.error = "internal error in layerlint (please report it): " + "; ".join(
            data["internal_errors"])
    return Outcome(report, report.pipeline_files, hit)


def _materialise_and_lint(spec: RepoSpec, options: Options) -> tuple[dict[str, Any], bool]:
    cache = ResultCache(options.cache_dir, options.use_cache)
    if spec.kind == "azure":
        from layerlint.audit.azure_source import Remote

        remote = Remote(spec)
        key = "azure\0" + remote.scan()

        def lint_remote() -> dict[str, Any]:
            with tempfile.TemporaryDirectory(prefix="layerlint-audit-") as tmp:
                root = Path(tmp).resolve()
                extra = remote.materialise(root)
                return _lint(root, extra, options)

        return _cached_lint(key, cache, lint_remote, options)
    if spec.kind == "git":
        from layerlint.audit.sources import clone_or_refresh

        root = clone_or_refresh(spec.location, options.cache_dir)
    else:
        root = Path(spec.location)
    extra = [p.lstrip("/") for p in spec.extra_files]
    key = "local\0" + local_fingerprint(root, extra)
    return _cached_lint(key, cache, lambda: _lint(root, extra, options), options)


def run(specs: list[RepoSpec], options: Options, jobs: int,
        on_done: Callable[[Outcome], None] = lambda o: None) -> list[RepoReport]:
    """Audit every spec, ``jobs`` at a time in worker processes (in this process when
    ``jobs`` is 1), calling ``on_done`` as each one finishes."""
    reports: list[RepoReport] = []
    if jobs <= 1 or len(specs) <= 1:
        for spec in specs:
            outcome = audit_repo(spec, options)
            reports.append(outcome.report)
            on_done(outcome)
        return reports
    import layerlint.engine  # noqa: F401  (imported once here, inherited by forked workers)

    with ProcessPoolExecutor(max_workers=min(jobs, len(specs))) as pool:
        futures: list[Future[Outcome]] = [pool.submit(audit_repo, s, options) for s in specs]
        try:
            for future in as_completed(futures):
                outcome = future.result()
                reports.append(outcome.report)
                on_done(outcome)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return reports
