"""The registry a Docker task names its images after, read from the pipeline itself.

A Docker task with a registry service connection prefixes its image names with the
connection's login server (``getQualifiedImageName``: ``HOST/repository``, except Docker
Hub, whose images keep the bare repository; the whole name lower-cased). Only the service
connection knows that host, so a fix that writes the names out must get it elsewhere, in
this order:

1. the configuration's ``registries`` (connection name -> login server): the user said so;
2. the connection's own name when it names a registry: a host name (``myreg.azurecr.io``,
   ``ghcr.io``) or Docker Hub (``Docker Hub``, ``dockerhub``);
3. the only Azure Container Registry login server (``NAME.azurecr.io``) the pipeline's
   variables or the task's inputs name: the Azure "build and push to ACR" starter declares
   ``containerRegistry: 'NAME.azurecr.io'`` next to ``dockerRegistryServiceConnection``;
4. (Docker@2 only) at run time, from the Docker config that the ``Docker@2 login`` step
   writes (``$DOCKER_CONFIG/config.json``), as the task itself reads it: offered only when
   that config can hold no other registry (one connection in the job).

Everything but 1 is a guess about what the connection points to: such fixes are unsafe,
and their title says which value was used and how to pin it with ``registries``.
"""

from __future__ import annotations

import re

from layerlint._lazyre import lazy_re
from layerlint._record import Record
from layerlint.fixes.settings import FixSettings
from layerlint.pipeline.model import Job, Step
from layerlint.pipeline.paths import expand

_HOST = lazy_re(__name__, "_HOST",
                r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?::\d+)?$", re.I)
_DOCKER_HUB = lazy_re(__name__, "_DOCKER_HUB", r"^\s*docker[\s_.-]*hub\b", re.I)
_ACR = lazy_re(__name__, "_ACR",
               r"(?<![\w.-])([a-z0-9]{5,50}\.azurecr\.(?:io|cn|us))(?![\w-])", re.I)
HUB_HOSTS = {"index.docker.io", "docker.io", "registry-1.docker.io", "registry.hub.docker.com"}

# bash that sets ``prefix`` from the one registry the Docker config holds (Docker@2 reads
# the same file; ``index.docker.io`` gets no prefix, like Docker Hub in the task)
RUNTIME_LINES = [
    "server=$(jq -r '.auths | keys | if length == 1 then .[0] else",
    "  error(\"expected one registry login in the Docker config\") end' \\",
    "  \"${DOCKER_CONFIG:?no Docker@2 login ran in this job}/config.json\")",
    "server=${server#*://}",
    "server=${server%%/*}",
    "prefix=\"${server,,}/\"",
    "if [ \"$server\" = index.docker.io ]; then prefix=; fi",
]


class Server(Record):
    """How image names are prefixed: ``prefix`` is ``HOST/``, empty (Docker Hub) or
    ``${prefix}`` (read at run time, see :data:`RUNTIME_LINES`)."""

    __slots__ = ("configured", "prefix", "runtime", "source")
    prefix: str
    source: str  # for the title: which value was used, from where
    configured: bool  # from the configuration: not a guess
    runtime: bool

    def __init__(self, prefix: str, source: str, configured: bool = False,
                 runtime: bool = False) -> None:
        self.prefix = prefix
        self.source = source
        self.configured = configured
        self.runtime = runtime


def _host(text: str) -> str | None:
    """The host a connection name or registry URL names, or None."""
    value = text.strip().strip("'\"")
    value = re.sub(r"^[a-z]+://", "", value, flags=re.I).split("/", 1)[0]
    return value.lower() if _HOST.match(value) else None


def server_for(value: str, source: str, configured: bool = False) -> Server:
    host = _host(value) or value.strip().rstrip("/").lower()
    prefix = "" if host in HUB_HOSTS else f"{host}/"
    return Server(prefix, source, configured)


def login_server(connection: str, job: Job, step: Step, settings: FixSettings,
                 runtime: bool) -> Server | None:
    """The login server of ``connection`` (the text of the task's registry input) as far
    as the pipeline says it, or None."""
    if connection in settings.registries:
        return server_for(settings.registries[connection],
                          f"`registries` maps {connection!r} to "
                          f"{settings.registries[connection]!r}", configured=True)
    resolved = expand(connection, job.variables)
    if _DOCKER_HUB.match(resolved):
        return Server("", f"the service connection {resolved!r} names Docker Hub (image "
                          "names keep the bare repository)")
    host = _host(resolved) if "$" not in resolved else None
    if host is not None:
        return server_for(host, f"the service connection is named after {host!r}")
    hosts = _acr_hosts(job, step)
    if len(hosts) == 1:
        (only,) = hosts
        return server_for(only, f"{only!r} is the only Azure Container Registry the "
                                "pipeline's variables and the task name")
    if runtime:
        return Server("${prefix}", "the login server is read at run time from the Docker "
                                   "config the `Docker@2 login` step writes (needs `jq`)",
                      runtime=True)
    return None


def _acr_hosts(job: Job, step: Step) -> set[str]:
    texts = list(job.variables.values())
    texts += [scope.text(node) or "" for _, node, scope in step.inputs()]
    return {m.group(1).lower() for t in texts for m in _ACR.finditer(t)}


def override_hint(connection: str) -> str:
    return (f"map {connection!r} to its login server under `registries` in the layerlint "
            "configuration to pin it")
