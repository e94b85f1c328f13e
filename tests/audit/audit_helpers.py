"""Helpers for the audit tests: repositories on disk, running the audit command in
process, and a loopback Azure DevOps server answering with the REST API 7.1 shapes."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from layerlint.audit.cli import main

UNCACHED = "steps:\n- script: docker build -t web .\n"
TEMPLATE_CALLER = "steps:\n- template: templates/build.yml\n"
TEMPLATE = "steps:\n- script: docker build -t api -f api/Dockerfile api\n"
CACHED = """\
pool:
  vmImage: ubuntu-latest
steps:
- task: Cache@2
  inputs:
    key: '"docker" | "$(Agent.OS)" | "api" | "$(Build.SourceVersion)"'
    restoreKeys: |
      "docker" | "$(Agent.OS)" | "api"
    path: $(Pipeline.Workspace)/docker_cache/api
- script: |
    docker buildx create --name ll --driver docker-container --use
    docker buildx build --builder ll \\
      --cache-from=type=local,src=$(Pipeline.Workspace)/docker_cache/api \\
      --cache-to=type=local,dest=$(Pipeline.Workspace)/docker_cache/api-new,mode=max \\
      --load -t api:1 api
    rm -rf $(Pipeline.Workspace)/docker_cache/api
    mv $(Pipeline.Workspace)/docker_cache/api-new $(Pipeline.Workspace)/docker_cache/api
"""
NOT_PIPELINE = "services:\n  web:\n    image: nginx\n"


@dataclass
class Run:
    code: int
    out: str
    err: str


def audit(*argv: str | Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_repo(path: Path, files: dict[str, str], git_dir: bool = True) -> Path:
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if git_dir:
        (path / ".git").mkdir(parents=True, exist_ok=True)
    return path


GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git_commit(path: Path, files: dict[str, str], message: str = "c") -> str:
    """Write ``files`` into the git repository at ``path`` (created when missing), commit,
    and return its file:// URL."""
    if not (path / ".git").exists():
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=GIT_ENV)
    write_repo(path, files, git_dir=False)
    subprocess.run(["git", "-C", str(path), "add", "-A"], check=True, env=GIT_ENV)
    subprocess.run(["git", "-C", str(path), "commit", "-q", "-m", message], check=True,
                   env=GIT_ENV)
    return path.resolve().as_uri()


# -- a loopback Azure DevOps ---------------------------------------------------------------


def blob_id(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class FakeRepo:
    name: str
    files: dict[str, str]
    pipelines: list[str] = field(default_factory=list)  # definitions' yamlFilename
    branch: str | None = "main"
    disabled: bool = False

    @property
    def id(self) -> str:
        return hashlib.md5(self.name.encode()).hexdigest()


class FakeAzureDevOps:
    """``/{org}/_apis/projects``, ``/{org}/{project}/_apis/git/repositories``,
    ``.../_apis/build/definitions`` and ``.../repositories/{id}/items``, as documented for
    api-version 7.1. Lists are paged ``page`` items at a time with ``x-ms-continuationtoken``;
    ``throttle`` maps a path fragment to responses (status, Retry-After) served first."""

    def __init__(self, projects: dict[str, list[FakeRepo]], pat: str | None = "s3cr3t-pat",
                 page: int = 1, forbidden: tuple[str, ...] = ()) -> None:
        self.projects = projects
        self.pat = pat
        self.page = page
        self.forbidden = forbidden
        self.throttle: dict[str, list[tuple[int, str]]] = {}
        self.requests: list[tuple[str, dict[str, str], str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.org_url = f"{self.base}/fabrikam"

    def __enter__(self) -> FakeAzureDevOps:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, fragment: str) -> int:
        return sum(1 for path, query, _ in self.requests
                   if fragment in path + "?" + urllib.parse.urlencode(query))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                with fake.lock:
                    fake.requests.append((url.path, query, self.headers.get("Authorization",
                                                                            "")))
                    for fragment, queue in fake.throttle.items():
                        if fragment in url.path and queue:
                            status, retry = queue.pop(0)
                            return self._send(status, {"message": "slow down"},
                                              {"Retry-After": retry})
                expected = "Basic " + base64.b64encode(f":{fake.pat}".encode()).decode()
                if fake.pat is not None and self.headers.get("Authorization") != expected:
                    return self._send(401, None)
                if query.get("api-version") != "7.1":
                    return self._send(400, {"message": "api-version 7.1 expected"})
                fake.route(self, url.path.split("/")[1:], query)

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None,
                      ) -> None:
                data = b"<html>Sign in</html>" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html" if body is None
                                 else "application/json; charset=utf-8; api-version=7.1")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _paged(self, h: Any, items: list[Any], query: dict[str, str]) -> None:
        start = int(query.get("continuationToken", "0"))
        chunk = items[start:start + self.page]
        headers = {}
        if start + self.page < len(items):
            headers["x-ms-continuationtoken"] = str(start + self.page)
        h._send(200, {"count": len(chunk), "value": chunk}, headers)

    def route(self, h: Any, parts: list[str], query: dict[str, str]) -> None:
        org = parts[0]
        if parts[1:] == ["_apis", "projects"]:
            items = [{"id": hashlib.md5(p.encode()).hexdigest(), "name": p,
                      "url": f"{self.base}/{org}/_apis/projects/{p}", "state": "wellFormed",
                      "revision": 7, "visibility": "private",
                      "lastUpdateTime": "2024-01-01T00:00:00Z"} for p in self.projects]
            return self._paged(h, items, query)
        project = urllib.parse.unquote(parts[1])
        if project in self.forbidden:
            return h._send(403, {"message": "TF400813: The user is not authorized."})
        if project not in self.projects:
            return h._send(404, {"$id": "1", "message": "TF200016: The following project "
                                 f"does not exist: {project}.", "errorCode": 0})
        repos = self.projects[project]
        project_url = f"{self.base}/{org}/{parts[1]}"
        ref = {"id": hashlib.md5(project.encode()).hexdigest(), "name": project}
        rest = parts[2:]
        if rest == ["_apis", "git", "repositories"]:
            value = [{"id": r.id, "name": r.name, "url": f"{project_url}/_apis/git/"
                      f"repositories/{r.id}", "project": ref, "size": 1024,
                      "remoteUrl": f"{project_url}/_git/{r.name}",
                      "webUrl": f"{project_url}/_git/{r.name}", "isDisabled": r.disabled,
                      **({"defaultBranch": f"refs/heads/{r.branch}"} if r.branch else {})}
                     for r in repos]
            return h._send(200, {"value": value, "count": len(value)})
        if rest == ["_apis", "build", "definitions"]:
            items = [{"id": i, "name": f"{r.name}-{i}", "path": "\\", "type": "build",
                      "queueStatus": "enabled", "revision": 1, "project": ref,
                      "process": {"yamlFilename": f, "type": 2},
                      "repository": {"id": r.id, "type": "TfsGit", "name": r.name,
                                     "defaultBranch": f"refs/heads/{r.branch}"}}
                     for i, (r, f) in enumerate(((r, f) for r in repos for f in r.pipelines),
                                                 start=1)]
            items.append({"id": 99, "name": "classic", "path": "\\", "type": "build",
                          "process": {"type": 1}, "repository": {"id": "x", "type": "TfsGit"}})
            return self._paged(h, items, query)
        if len(rest) == 5 and rest[-1] == "items":
            repo = next((r for r in repos if r.id == rest[3]), None)
            if repo is None or query.get("versionDescriptor.version") != repo.branch:
                return h._send(404, {"message": "TF401019: not found"})
            return self._items(h, repo, query)
        return h._send(404, {"message": "no such resource"})

    def _items(self, h: Any, repo: FakeRepo, query: dict[str, str]) -> None:
        if query.get("recursionLevel") == "Full":
            value: list[dict[str, Any]] = [{"objectId": "0" * 40, "gitObjectType": "tree",
                                            "commitId": "c" * 40, "path": "/",
                                            "isFolder": True}]
            folders = sorted({"/" + p.rsplit("/", 1)[0] for p in repo.files if "/" in p})
            value += [{"objectId": "1" * 40, "gitObjectType": "tree", "commitId": "c" * 40,
                       "path": f, "isFolder": True} for f in folders]
            value += [{"objectId": blob_id(t), "gitObjectType": "blob", "commitId": "c" * 40,
                       "path": "/" + p, "url": "u"} for p, t in sorted(repo.files.items())]
            return h._send(200, {"count": len(value), "value": value})
        path = query.get("path", "").lstrip("/")
        if path not in repo.files or query.get("includeContent") != "true":
            return h._send(404, {"message": "TF401174: The item could not be found"})
        text = repo.files[path]
        return h._send(200, {"objectId": blob_id(text), "gitObjectType": "blob",
                             "commitId": "c" * 40, "path": "/" + path, "content": text})


@contextmanager
def fake_azure(projects: dict[str, list[FakeRepo]], **kw: Any) -> Iterator[FakeAzureDevOps]:
    with FakeAzureDevOps(projects, **kw) as server:
        yield server
