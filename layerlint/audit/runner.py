"""Audit repositories in parallel worker processes, each with its own
:class:`~layerlint.engine.Engine` (the check pipeline, unchanged), and cache each
repository's result under a hash of its files' contents, the layerlint code and the options:
re-auditing unchanged repositories reads the files, hashes them and lints nothing.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
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
    # resources.repositories (alias, name) whose alias a template reference uses
    repositories: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Link:
    """An alias of ``resources.repositories`` resolved to another repository of the audit:
    a local copy of it (``root``) and the fingerprint of its files, part of the cache key."""

    alias: str
    name: str
    root: str
    fingerprint: str


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


def _lint(root: Path, extra: list[str], options: Options,
          links: tuple[Link, ...] = ()) -> dict[str, Any]:
    from layerlint.report.json_report import to_data

    codes = set(options.codes) if options.codes is not None else None
    engine = _engine(links)(codes, max_bytes=options.max_bytes, cwd=root,
                            template_repos={k.alias: Path(k.root) for k in links})
    result = engine.run([".", *extra])
    data = to_data(result)
    docs = (engine.document(root / f.path) for f in result.files if f.status != "error")
    return {"files": data["files"], "findings": data["findings"], "builds": data["builds"],
            "internal_errors": result.internal_errors,
            "repositories": template_repositories(d for d in docs if not isinstance(
                d, Exception))}


def _engine(links: tuple[Link, ...]) -> Any:
    """The engine class; with links, files of other repositories are named
    ``path@alias``, as the pipeline names them, instead of by a path outside the root."""
    from layerlint.engine import Engine

    if not links:
        return Engine
    roots = [(Path(k.root).resolve(), k.alias) for k in links]

    class LinkedEngine(Engine):
        def display(self, path: Path) -> str:
            for root, alias in roots:
                if path.is_relative_to(root):
                    return f"{path.relative_to(root).as_posix()}@{alias}"
            return super().display(path)

    return LinkedEngine


def template_repositories(docs: Iterable[Any]) -> list[list[str]]:
    """``[alias, name]`` of each ``resources.repositories`` entry of ``docs`` whose alias some
    template reference (``x.yml@alias``) of ``docs`` uses, sorted."""
    import re

    declared: set[tuple[str, str]] = set()
    texts: list[str] = []
    for doc in docs:
        texts.append(doc.text)
        if "repositories" not in doc.text:
            continue
        resources = _value(doc.root, "resources")
        for entry in getattr(_value(resources, "repositories"), "value", None) or ():
            alias, name = _scalar(_value(entry, "repository")), _scalar(_value(entry, "name"))
            if alias and name and alias != "self":
                declared.add((alias, name))
    used = set()
    for text in texts:
        if "@" in text:
            used.update(re.findall(r"template\s*:\s*['\"]?[^'\"\s#]*@([\w.-]+)", text))
    return sorted([alias, name] for alias, name in declared if alias in used)


def _value(node: Any, key: str) -> Any:
    """The value of ``key`` in a mapping node (None: not a mapping, or no such key)."""
    if getattr(node, "id", None) != "mapping":
        return None
    for k, v in node.value:
        if getattr(k, "value", None) == key:
            return v
    return None


def _scalar(node: Any) -> str:
    value = getattr(node, "value", None) if getattr(node, "id", None) == "scalar" else None
    return value.strip() if isinstance(value, str) else ""


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


def audit_repo(spec: RepoSpec, options: Options, links: tuple[Link, ...] = ()) -> Outcome:
    """Audit one repository, following ``x.yml@alias`` templates into ``links``; never
    raises (a failure is the report's ``error``)."""
    report = RepoReport(spec.name, spec.source, error=spec.error)
    if spec.error is not None:
        return Outcome(report, 0, False)
    try:
        data, hit = _materialise_and_lint(spec, options, links)
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
    declared = tuple((str(a), str(n)) for a, n in data.get("repositories", ()))
    return Outcome(report, report.pipeline_files, hit, declared)


def _materialise_and_lint(spec: RepoSpec, options: Options,
                          links: tuple[Link, ...]) -> tuple[dict[str, Any], bool]:
    cache = ResultCache(options.cache_dir, options.use_cache)
    linked = "".join(f"\0{k.alias}={k.fingerprint}" for k in links)
    if spec.kind == "azure":
        from layerlint.audit.azure_source import Remote

        remote = Remote(spec)
        key = "azure\0" + remote.scan() + linked

        def lint_remote() -> dict[str, Any]:
            with tempfile.TemporaryDirectory(prefix="layerlint-audit-") as tmp:
                root = Path(tmp).resolve()
                extra = remote.materialise(root)
                return _lint(root, extra, options, links)

        return _cached_lint(key, cache, lint_remote, options)
    if spec.kind == "git":
        from layerlint.audit.sources import clone_dir, clone_or_refresh

        root = clone_dir(options.cache_dir, spec.location)
        if not (links and (root / ".git").is_dir()):  # with links: refreshed a moment ago
            root = clone_or_refresh(spec.location, options.cache_dir)
    else:
        root = Path(spec.location)
    extra = [p.lstrip("/") for p in spec.extra_files]
    key = "local\0" + local_fingerprint(root, extra) + linked
    return _cached_lint(key, cache, lambda: _lint(root, extra, options, links), options)


def run(specs: list[RepoSpec], options: Options, jobs: int,
        on_done: Callable[[Outcome], None] = lambda o: None,
        universe: list[RepoSpec] | None = None) -> list[RepoReport]:
    """Audit every spec, ``jobs`` at a time in worker processes (in this process when
    ``jobs`` is 1), calling ``on_done`` as each one finishes. A worker that dies (a crash
    in the C parser, an out-of-memory kill) fails only the repository it was auditing.

    Templates of other repositories (``x.yml@alias``) are followed when ``resources.
    repositories`` maps the alias to a repository of ``universe`` (default: ``specs``; the
    whole list when ``specs`` is one shard of it): a repository that uses one is audited
    again, once every repository has been fetched, with the alias mapped to a local copy."""
    outcomes: dict[int, Outcome] = {}
    waiting: list[int] = []

    def first(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if outcome.repositories and outcome.report.error is None:
            waiting.append(index)
        else:
            on_done(outcome)

    def again(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        on_done(outcome)

    resolver = _Resolver(universe if universe is not None else specs, specs, options)
    try:
        _run_tasks([(s, ()) for s in specs], options, jobs, first)
        second: list[tuple[RepoSpec, tuple[Link, ...]]] = []
        indices: list[int] = []
        for index in sorted(waiting):
            links = resolver.links(specs[index], outcomes[index].repositories)
            if links:
                second.append((specs[index], links))
                indices.append(index)
            else:
                on_done(outcomes[index])
        _run_tasks(second, options, jobs, lambda i, o: again(indices[i], o))
    finally:
        resolver.close()
    return [outcomes[i].report for i in range(len(specs))]


Task = tuple[RepoSpec, tuple[Link, ...]]


def _run_tasks(tasks: list[Task], options: Options, jobs: int,
               done: Callable[[int, Outcome], None]) -> None:
    if jobs <= 1 or len(tasks) <= 1:
        for index, (spec, links) in enumerate(tasks):
            done(index, audit_repo(spec, options, links))
        return
    import layerlint.engine  # noqa: F401  (imported once here, inherited by forked workers)

    with _Pool(min(jobs, len(tasks)), options) as pool:
        pool.map(tasks, done)


def match_repository(name: str, spec: RepoSpec, universe: list[RepoSpec]) -> RepoSpec | None:
    """The repository of ``universe`` that a ``resources.repositories`` ``name`` of
    ``spec``'s pipelines names: ``project/repo`` (an Azure Repos name; without ``project/``,
    a repository of the same project), or ``owner/repo`` matched by its last part against
    the names of local directories and git URLs. None when none or several match."""
    wanted = name.strip().strip("/").lower()
    if not wanted:
        return None
    project = spec.name.split("/")[0].lower() if spec.kind == "azure" else ""
    tail = wanted.rsplit("/", 1)[-1]
    found = []
    for other in universe:
        if other.key == spec.key or other.error is not None:
            continue
        own = other.name.lower()
        if other.kind == "azure":
            ok = own == wanted or ("/" not in wanted and own == f"{project}/{wanted}")
        else:
            ok = own == tail
        if ok:
            found.append(other)
    if len(found) > 1:  # owner/repo: prefer the URL that spells it out
        found = [o for o in found if o.source.lower().removesuffix(".git").rstrip("/")
                 .endswith("/" + wanted)]
    return found[0] if len(found) == 1 else None


class _Resolver:
    """Local copies of the repositories that others take templates from, made once: a
    local directory as it is, a git URL's clone (refreshed by this run's own audit of it, or
    here when it is in another shard), an Azure repository's files in a temporary directory
    kept until the audit ends."""

    def __init__(self, universe: list[RepoSpec], specs: list[RepoSpec],
                 options: Options) -> None:
        self.universe = universe
        self.fetched = {s.key for s in specs}
        self.options = options
        self.copies: dict[str, tuple[str, str] | None] = {}
        self.tmp: tempfile.TemporaryDirectory[str] | None = None

    def links(self, spec: RepoSpec, declared: Iterable[tuple[str, str]]) -> tuple[Link, ...]:
        names: dict[str, set[str]] = {}
        for alias, name in declared:
            names.setdefault(alias, set()).add(name)
        out = []
        for alias, named in sorted(names.items()):
            if len(named) != 1:
                continue  # one alias, several repositories (in different pipelines)
            name = next(iter(named))
            target = match_repository(name, spec, self.universe)
            copy = self._copy(target) if target is not None else None
            if target is not None and copy is not None:
                out.append(Link(alias, target.name, *copy))
        return tuple(out)

    def _copy(self, target: RepoSpec) -> tuple[str, str] | None:
        if target.key not in self.copies:
            try:
                self.copies[target.key] = self._fetch(target)
            except Exception:  # a repository that cannot be fetched is not followed
                self.copies[target.key] = None
        return self.copies[target.key]

    def _fetch(self, target: RepoSpec) -> tuple[str, str] | None:
        if target.kind == "azure":
            from layerlint.audit.azure_source import Remote

            remote = Remote(target)
            fingerprint = remote.scan()
            if self.tmp is None:
                self.tmp = tempfile.TemporaryDirectory(prefix="layerlint-audit-links-")
            root = Path(tempfile.mkdtemp(dir=self.tmp.name)).resolve()
            remote.materialise(root)
            return str(root), "azure\0" + fingerprint
        if target.kind == "git":
            from layerlint.audit.sources import clone_dir, clone_or_refresh

            root = clone_dir(self.options.cache_dir, target.location)
            if target.key not in self.fetched or not (root / ".git").is_dir():
                root = clone_or_refresh(target.location, self.options.cache_dir)
        else:
            root = Path(target.location)
        if not root.is_dir():
            return None
        return str(root.resolve()), local_fingerprint(root)

    def close(self) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()


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
    """One worker process, fed over a pipe and answering in order: when it dies, the oldest
    repository it has not answered for is the one that killed it. It holds at most
    ``IN_FLIGHT`` repositories, so it never waits for the next one."""

    IN_FLIGHT = 2

    def __init__(self, ctx: Any, options: Options) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, options), daemon=True)
        self.process.start()
        child.close()
        self.pending: collections.deque[tuple[int, Task]] = collections.deque()

    def give(self, index: int, task: Task) -> None:
        self.pending.append((index, task))
        with contextlib.suppress(OSError):  # it died: its sentinel says so
            self.conn.send(task)

    def answers(self) -> Iterator[tuple[int, Outcome]]:
        """The answers that have arrived, oldest first."""
        try:
            while self.pending and self.conn.poll():
                outcome: Outcome = self.conn.recv()
                yield self.pending.popleft()[0], outcome
        except (EOFError, OSError, ValueError, TypeError, AttributeError, ImportError):
            pass  # a half-written answer: the process died while sending

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
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(audit_repo(task[0], options, task[1]))


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

    def map(self, tasks: list[Task], done: Callable[[int, Outcome], None]) -> None:
        from multiprocessing.connection import wait

        todo = collections.deque(enumerate(tasks))
        while todo or any(w.pending for w in self.workers):
            self._feed(todo)
            ready = set(wait([h for w in self.workers if w.pending
                              for h in (w.conn, w.process.sentinel)]))
            for worker in list(self.workers):
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                for index, outcome in worker.answers():
                    done(index, outcome)
                if worker.process.is_alive() or not worker.pending:
                    continue
                # it died: the oldest unanswered repository killed it, the others go back
                worker.process.join()
                index, (spec, _) = worker.pending.popleft()
                todo.extendleft(reversed(worker.pending))
                self.workers.remove(worker)
                worker.conn.close()
                report = RepoReport(spec.name, spec.source,
                                    error=crash_reason(worker.process.exitcode))
                done(index, Outcome(report, 0, False))

    def _feed(self, todo: collections.deque[tuple[int, Task]]) -> None:
        """Fill the workers, the least loaded first, starting new ones up to ``size``."""
        for gone in [w for w in self.workers if not (w.pending or w.process.is_alive())]:
            self.workers.remove(gone)  # died between repositories (killed from outside)
            gone.stop()
        while todo:
            alive = [w for w in self.workers if w.process.is_alive() or w.pending]
            if len(alive) < self.size:
                alive.append(_Worker(self.ctx, self.options))
                self.workers.append(alive[-1])
            worker = min(alive, key=lambda w: len(w.pending))
            if len(worker.pending) >= _Worker.IN_FLIGHT:
                return
            worker.give(*todo.popleft())

