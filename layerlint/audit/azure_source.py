"""An Azure DevOps organisation as audit sources: every Git repository of the chosen
projects becomes a :class:`RepoSpec` (named ``project/repository``, its web URL as the
source), carrying the ``yamlFilename`` of the YAML pipeline definitions built from it.
A repository's files are its YAML files and those definitions' files, read through the Git
Items API: templates are YAML files of the same repository, so they come along.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from pathlib import Path, PurePosixPath

from layerlint.audit.azure_devops import AzureDevOpsError, Client, token_from_env
from layerlint.audit.model import RepoSpec
from layerlint.discover import SKIP_DIRS, YAML_SUFFIXES


def list_specs(client: Client, projects: list[str]) -> list[RepoSpec]:
    """The repositories of ``projects`` (all projects when empty). A listing that fails
    becomes a failed entry for the organisation or the project; the others go on."""
    org = client.org_url
    try:
        names = projects or client.projects()
    except AzureDevOpsError as exc:
        name = org.rstrip("/").rsplit("/", 1)[-1]
        return [RepoSpec(name, org, "azure", org, error=str(exc))]
    specs: list[RepoSpec] = []
    for project in names:
        project_url = client.project_url(project)
        try:
            specs.extend(_project_specs(client, project, project_url))
        except AzureDevOpsError as exc:
            specs.append(RepoSpec(project, project_url, "azure", project_url, error=str(exc)))
        except (KeyError, TypeError, AttributeError) as exc:
            error = f"{project_url}: unexpected response from Azure DevOps ({exc!r})"
            specs.append(RepoSpec(project, project_url, "azure", project_url, error=error))
    return specs


def _project_specs(client: Client, project: str, project_url: str) -> list[RepoSpec]:
    repos = client.repositories(project)
    pipelines: dict[str, set[str]] = {}
    for definition in client.yaml_definitions(project):
        repo_id = str((definition.get("repository") or {}).get("id", ""))
        filename = "/" + str(definition["process"]["yamlFilename"]).lstrip("/")
        pipelines.setdefault(repo_id, set()).add(filename)
    specs = []
    for repo in repos:
        if repo.get("isDisabled"):
            continue
        name = f"{project}/{repo['name']}"
        source = str(repo.get("webUrl") or
                     f"{project_url}/_git/{urllib.parse.quote(repo['name'], safe='')}")
        location = f"{project_url}/_apis/git/repositories/{repo['id']}"
        branch = str(repo.get("defaultBranch") or "").removeprefix("refs/heads/") or None
        extra = tuple(sorted(pipelines.get(str(repo["id"]), ())))
        specs.append(RepoSpec(name, source, "azure", location, branch, extra))
    return specs


def _safe(path: str) -> PurePosixPath | None:
    rel = PurePosixPath(path.lstrip("/"))
    if not rel.parts or any(p in ("..", "") for p in rel.parts):
        return None
    return rel


class Remote:
    """One repository's pipeline files over the Items API: first the listing (with each
    blob's object id, so unchanged files are recognised without downloading them), then,
    when needed, the contents."""

    def __init__(self, spec: RepoSpec, client: Client | None = None) -> None:
        self.spec = spec
        org = spec.location.split("/_apis/", 1)[0].rsplit("/", 1)[0]
        self.client = client or Client(org, token_from_env())
        self.files: dict[str, str] = {}  # path -> object id

    def scan(self) -> str:
        """List the files to check and return a fingerprint of their contents."""
        branch = self.spec.branch
        if branch is None:  # an empty repository has no default branch
            return hashlib.sha256(b"empty").hexdigest()
        wanted = set(self.spec.extra_files)
        for item in self.client.items(self.spec.location, branch):
            path = str(item.get("path", ""))
            rel = _safe(path)
            if item.get("isFolder") or item.get("gitObjectType") == "tree" or rel is None:
                continue
            if any(part in SKIP_DIRS for part in rel.parts[:-1]):
                continue
            if path in wanted or rel.name.lower().endswith(YAML_SUFFIXES):
                self.files[path] = str(item.get("objectId", ""))
        digest = hashlib.sha256()
        for path, object_id in sorted(self.files.items()):
            digest.update(f"{path}\0{object_id}\0".encode())
        return digest.hexdigest()

    def materialise(self, dest: Path) -> list[str]:
        """Write the files under ``dest`` (made a repository root) and return the paths to
        check explicitly: the definitions' files, whatever their names."""
        (dest / ".git").mkdir(parents=True, exist_ok=True)
        for path in sorted(self.files):
            rel = _safe(path)
            if rel is None or self.spec.branch is None:
                continue
            target = dest.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self.client.content(self.spec.location, path, self.spec.branch),
                              encoding="utf-8")
        return [p.lstrip("/") for p in self.spec.extra_files if p in self.files]
