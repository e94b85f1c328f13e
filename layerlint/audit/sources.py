"""Where repositories come from: local directories (``--discover`` finds git repositories
below a directory), ``--repos FILE`` (local paths and git URLs), and the shallow clones of
git URLs, kept in a cache directory and refreshed on the next run.

A source that cannot be read becomes a :class:`RepoSpec` with ``error`` set, reported like
any other repository: the audit goes on.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from layerlint.audit.model import RepoSpec
from layerlint.discover import SKIP_DIRS

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^[\w.-]+@[\w.-]+:")
GIT_TIMEOUT = 600


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


def local_spec(path: Path) -> RepoSpec:
    resolved = path.expanduser().resolve()
    name = resolved.name or str(resolved)
    if not resolved.exists():
        return RepoSpec(name, str(resolved), "local", str(resolved),
                        error=f"no such directory: {path}")
    if not resolved.is_dir():
        return RepoSpec(name, str(resolved), "local", str(resolved),
                        error=f"not a directory: {path}")
    return RepoSpec(name, str(resolved), "local", str(resolved))


def url_name(url: str) -> str:
    tail = re.split(r"[/:]", url.rstrip("/"))[-1]
    return tail.removesuffix(".git") or url


def git_spec(url: str) -> RepoSpec:
    return RepoSpec(url_name(url), url, "git", url)


def discover(top: Path, depth: int) -> Iterator[RepoSpec]:
    """Git repositories (directories holding ``.git``) at most ``depth`` levels below
    ``top``, ``top`` included; a repository's own subdirectories are not searched."""
    top = top.expanduser()
    if not top.is_dir():
        yield local_spec(top)
        return

    def walk(directory: Path, level: int) -> Iterator[RepoSpec]:
        if (directory / ".git").exists():
            yield local_spec(directory)
            return
        if level >= depth:
            return
        try:
            children = sorted(p for p in directory.iterdir()
                              if p.is_dir() and not p.is_symlink() and p.name not in SKIP_DIRS)
        except OSError:
            return
        for child in children:
            yield from walk(child, level + 1)

    yield from walk(top, 0)


def read_repos_file(path: Path) -> list[RepoSpec]:
    """One repository per line, a local path (relative to the file's directory) or a git
    URL; blank lines and ``#`` comments are ignored. Raises OSError when unreadable."""
    specs: list[RepoSpec] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if is_url(line):
            specs.append(git_spec(line))
        else:
            local = Path(line).expanduser()
            specs.append(local_spec(local if local.is_absolute() else path.parent / local))
    return specs


# -- clones --------------------------------------------------------------------------------


class CloneError(Exception):
    pass


def clone_dir(cache_dir: Path, url: str) -> Path:
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", url_name(url))[:40]
    return cache_dir / "clones" / f"{safe}-{digest}"


def _git(args: list[str], cwd: Path | None = None) -> None:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError as exc:
        raise CloneError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise CloneError(f"git {args[0]} timed out after {GIT_TIMEOUT} s") from exc
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"exit status {proc.returncode}"
        raise CloneError(f"git {args[0]} failed: {reason}")


def clone_or_refresh(url: str, cache_dir: Path) -> Path:
    """A shallow clone of ``url``'s default branch, reused from ``cache_dir`` and brought
    up to date when it exists. Raises :class:`CloneError` with git's reason."""
    target = clone_dir(cache_dir, url)
    if (target / ".git").is_dir():
        try:
            _git(["fetch", "--quiet", "--depth", "1", "origin", "HEAD"], cwd=target)
            _git(["reset", "--quiet", "--hard", "FETCH_HEAD"], cwd=target)
            _git(["clean", "-qffdx"], cwd=target)
            os.utime(target)  # the last use, for pruning the cache
            return target
        except CloneError:
            pass  # a broken or stale clone: start again
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _git(["clone", "--quiet", "--depth", "1", "--no-tags", url, str(partial)])
        os.replace(partial, target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target
