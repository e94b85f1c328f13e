"""A small Azure DevOps REST API (7.1) client on urllib: projects, Git repositories, YAML
build definitions and the Git Items API, which is all the audit needs.

The token comes from ``AZURE_DEVOPS_EXT_PAT`` (a personal access token, Basic auth) or
``SYSTEM_ACCESSTOKEN`` (a pipeline's job token, Bearer), never from the command line, and is
never logged: it is only ever put in the ``Authorization`` header. Paging follows the
``x-ms-continuationtoken`` response header with the ``continuationToken`` parameter;
429 and 503 are retried after ``Retry-After``; 401, 203 (a sign-in page), 403 and 404 become
messages that say what to do.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

API_VERSION = "7.1"
TOKEN_VARIABLES = ("AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN")


class AzureDevOpsError(Exception):
    pass


@dataclass(frozen=True)
class Token:
    variable: str
    value: str

    def header(self) -> str:
        if self.variable == "SYSTEM_ACCESSTOKEN":
            return f"Bearer {self.value}"
        return "Basic " + base64.b64encode(f":{self.value}".encode()).decode()

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return f"Token({self.variable}, ***)"


def token_from_env(env: Mapping[str, str] | None = None) -> Token | None:
    env = os.environ if env is None else env
    for name in TOKEN_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return Token(name, value)
    return None


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


class Client:
    def __init__(self, org_url: str, token: Token | None, *, retries: int = 5,
                 max_wait: float = 60.0, timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.org_url = org_url.rstrip("/")
        self.token = token
        self.retries = retries
        self.max_wait = max_wait
        self.timeout = timeout
        self.sleep = sleep

    # -- transport -----------------------------------------------------------------------
    def get(self, url: str, params: Mapping[str, str]) -> tuple[Any, Mapping[str, str]]:
        """GET ``url`` with ``params`` (``api-version`` added) and the JSON body and headers
        of the response; raises :class:`AzureDevOpsError` with a readable reason."""
        query = urllib.parse.urlencode({**params, "api-version": API_VERSION})
        full = f"{url}{'&' if '?' in url else '?'}{query}"
        request = urllib.request.Request(full, headers={"Accept": "application/json"})
        if self.token is not None:
            request.add_unredirected_header("Authorization", self.token.header())
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    status = response.status
                    headers = {k.lower(): v for k, v in response.headers.items()}
                    body = response.read()
            except urllib.error.HTTPError as exc:
                wait = self._retry_after(exc, attempt)
                if wait is None:
                    raise AzureDevOpsError(self._message(exc.code, url, exc.read())) from None
                self.sleep(wait)
                continue
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise AzureDevOpsError(f"cannot reach {url}: {reason}") from None
            if status == 203 or "json" not in headers.get("content-type", "json"):
                raise AzureDevOpsError(self._message(401, url, b""))
            try:
                return json.loads(body or b"null"), headers
            except ValueError:
                raise AzureDevOpsError(f"{url}: the response is not JSON") from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _retry_after(self, exc: urllib.error.HTTPError, attempt: int) -> float | None:
        if exc.code not in (429, 503) or attempt >= self.retries:
            return None
        value = (exc.headers.get("Retry-After") or "").strip()
        if value.isdigit():
            return min(float(value), self.max_wait)
        if value:
            try:
                when = parsedate_to_datetime(value).timestamp()
                return max(0.0, min(when - time.time(), self.max_wait))
            except (TypeError, ValueError):
                pass
        return min(2.0 ** attempt, self.max_wait)

    def _message(self, status: int, url: str, body: bytes) -> str:
        detail = ""
        with contextlib.suppress(ValueError, AttributeError):
            detail = str(json.loads(body).get("message", ""))
        suffix = f" ({detail})" if detail else ""
        if status == 401:
            if self.token is None:
                how = ("no token is set: put a personal access token with Code (Read) and "
                       "Build (Read) scopes in AZURE_DEVOPS_EXT_PAT, or map "
                       "$(System.AccessToken) to SYSTEM_ACCESSTOKEN in a pipeline")
            else:
                how = (f"the token in {self.token.variable} was rejected: it may be expired, "
                       "revoked or for another organisation")
            return f"authentication failed (HTTP 401) for {url}: {how}"
        if status == 403:
            return (f"access denied (HTTP 403) for {url}: the token needs the Code (Read) and "
                    f"Build (Read) scopes and access to this project{suffix}")
        if status in (429, 503):
            return (f"throttled (HTTP {status}) by {url}: gave up after {self.retries + 1} "
                    f"attempts; try again later or with fewer --jobs{suffix}")
        if status == 404:
            return (f"not found (HTTP 404): {url}: check the organisation URL, project and "
                    f"repository names{suffix}")
        return f"HTTP {status} from {url}{suffix}"

    def paged(self, url: str, params: Mapping[str, str]) -> Iterator[Any]:
        """Every item of a list response (``{"count", "value"}``), page after page."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            query = dict(params)
            if token:
                query["continuationToken"] = token
            data, headers = self.get(url, query)
            yield from (data or {}).get("value", [])
            token = headers.get("x-ms-continuationtoken")
            if not token or token in seen:
                return
            seen.add(token)

    # -- resources -----------------------------------------------------------------------
    def project_url(self, project: str) -> str:
        return f"{self.org_url}/{_quote(project)}"

    def projects(self) -> list[str]:
        url = f"{self.org_url}/_apis/projects"
        return [p["name"] for p in self.paged(url, {"$top": "100"})]

    def repositories(self, project: str) -> list[dict[str, Any]]:
        url = f"{self.project_url(project)}/_apis/git/repositories"
        return list(self.paged(url, {}))

    def yaml_definitions(self, project: str) -> list[dict[str, Any]]:
        """YAML build definitions (``process.yamlFilename``) of Azure Repos Git repositories."""
        url = f"{self.project_url(project)}/_apis/build/definitions"
        params = {"includeAllProperties": "true", "$top": "500"}
        return [d for d in self.paged(url, params)
                if (d.get("process") or {}).get("yamlFilename")
                and (d.get("repository") or {}).get("type", "TfsGit") == "TfsGit"]

    def items(self, repo_url: str, branch: str) -> list[dict[str, Any]]:
        """Every file and folder of ``branch`` (``recursionLevel=Full``)."""
        params = {"scopePath": "/", "recursionLevel": "Full",
                  "versionDescriptor.version": branch,
                  "versionDescriptor.versionType": "branch"}
        return list(self.paged(f"{repo_url}/items", params))

    def content(self, repo_url: str, path: str, branch: str) -> str:
        params = {"path": path, "includeContent": "true", "$format": "json",
                  "versionDescriptor.version": branch,
                  "versionDescriptor.versionType": "branch"}
        data, _ = self.get(f"{repo_url}/items", params)
        return str((data or {}).get("content", ""))
