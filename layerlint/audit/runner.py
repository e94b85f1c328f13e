"""Audit repositories in parallel worker processes, each with its own
:class:`~layerlint.engine.Engine` (the check pipeline, unchanged), and cache each
repository's result under a hash of its files' contents, the layerlint code and the options:
re-auditing unchanged repositories reads the files, hashes them and lints nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
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
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # the modification time is the last use: pruned least recent first
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


DEFAULT_MAX_AGE_DAYS = 30.0
DEFAULT_MAX_SIZE_MB = 256.0


@dataclass(frozen=True)
class Pruned:
    results: int
    clones: int
    kept_bytes: int


def prune(cache_dir: Path, max_age_days: float, max_size_mb: float,
          now: float | None = None) -> Pruned:
    """Drop cached results not used for ``max_age_days``, then the least recently used ones
    until the rest take at most ``max_size_mb``; drop clones of git URLs not used for
    ``max_age_days``. A limit of 0 is no limit. Errors are ignored: another audit may be
    pruning the same directory."""
    import shutil
    import time

    now = time.time() if now is None else now
    oldest = now - max_age_days * 86400 if max_age_days > 0 else float("-inf")
    entries: list[tuple[float, int, Path]] = []
    removed = 0
    for path in (cache_dir / "results").glob("*/*"):
        try:
            st = path.stat()
        except OSError:
            continue
        # a .tmp is a write in progress, or left by a killed audit: give it an hour
        stale = st.st_mtime < (now - 3600 if path.suffix == ".tmp" else oldest)
        if stale or path.suffix not in (".json", ".tmp"):
            removed += _unlink(path) if stale else 0
            continue
        entries.append((st.st_mtime, st.st_size, path))
    total = sum(size for _, size, _ in entries)
    budget = max_size_mb * 1024 * 1024 if max_size_mb > 0 else float("inf")
    for _, size, path in sorted(entries):
        if total <= budget:
            break
        removed += _unlink(path)
        total -= size
    clones = 0
    for clone in (cache_dir / "clones").glob("*"):
        try:
            old = clone.is_dir() and clone.stat().st_mtime < oldest
        except OSError:
            continue
        if old:
            shutil.rmtree(clone, ignore_errors=True)
            clones += 1
    return Pruned(removed, clones, int(total))


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except OSError:
        return 0
    return 1


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
    ``jobs`` is 1), calling ``on_done`` as each one finishes. A worker that dies (a crash
    in the C parser, an out-of-memory kill) fails only the repository it was auditing."""
    reports: list[RepoReport] = []

    def done(outcome: Outcome) -> None:
        reports.append(outcome.report)
        on_done(outcome)

    if jobs <= 1 or len(specs) <= 1:
        for spec in specs:
            done(audit_repo(spec, options))
        return reports
    import layerlint.engine  # noqa: F401  (imported once here, inherited by forked workers)

    with _Pool(min(jobs, len(specs)), options) as pool:
        pool.map(specs, done)
    return reports


def crash_reason(exitcode: int | None) -> str:
    """Why a worker process ended without answering, from its exit code."""
    if exitcode is not None and exitcode < 0:
        import signal

        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"worker crashed: killed by {name}"
    return f"worker crashed: exit status {exitcode}"


class _Worker:
    """One worker process, fed one repository at a time over a pipe: when it dies, the
    repository it was given is the one that killed it."""

    def __init__(self, ctx: Any, options: Options) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, options), daemon=True)
        self.process.start()
        child.close()
        self.spec: RepoSpec | None = None

    def give(self, spec: RepoSpec) -> None:
        self.spec = spec
        with contextlib.suppress(OSError):  # it died while idle: reported like a crash
            self.conn.send(spec)

    def take(self) -> Outcome | None:
        """The answer, or None when the process died before giving one."""
        try:
            if self.conn.poll():
                outcome: Outcome = self.conn.recv()
                self.spec = None
                return outcome
        except (EOFError, OSError, ValueError, TypeError, AttributeError, ImportError):
            pass  # a half-written answer: the process died while sending
        return None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _serve(conn: Any, options: Options) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        if spec is None:
            return
        conn.send(audit_repo(spec, options))


class _Pool:
    def __init__(self, size: int, options: Options) -> None:
        import multiprocessing

        self.ctx = multiprocessing.get_context()
        self.options = options
        self.size = size
        self.workers: list[_Worker] = []

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self.workers:
            if exc[0] is not None:
                worker.process.kill()
            worker.stop()
        self.workers = []

    def map(self, specs: Iterable[RepoSpec], done: Callable[[Outcome], None]) -> None:
        from multiprocessing.connection import wait

        todo = list(reversed(list(specs)))
        busy: dict[Any, _Worker] = {}  # connection and sentinel -> worker
        idle: list[_Worker] = []
        while todo or busy:
            while todo and len(busy) // 2 < self.size:
                while idle and not idle[-1].process.is_alive():
                    self.workers.remove(idle.pop())
                worker = idle.pop() if idle else _Worker(self.ctx, self.options)
                if worker not in self.workers:
                    self.workers.append(worker)
                worker.give(todo.pop())
                busy[worker.conn] = busy[worker.process.sentinel] = worker
            for ready in {busy[r] for r in wait(list(busy)) if r in busy}:
                spec = ready.spec
                assert spec is not None
                del busy[ready.conn], busy[ready.process.sentinel]
                outcome = ready.take()
                if outcome is None:
                    ready.process.join()
                    report = RepoReport(spec.name, spec.source,
                                        error=crash_reason(ready.process.exitcode))
                    outcome = Outcome(report, 0, False)
                    self.workers.remove(ready)
                    ready.conn.close()
                else:
                    idle.append(ready)
                done(outcome)
