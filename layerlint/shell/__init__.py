"""Shell script analysis: command extraction for bash and PowerShell, docker build parsing."""

from __future__ import annotations

from ._cache import CacheSpec, cache_spec
from ._types import Command, Word
from .docker import BuilderCommand, DockerBuild, parse_docker
from .lexer import parse_bash
from .powershell import parse_powershell

__all__ = [
    "BuilderCommand",
    "CacheSpec",
    "Command",
    "DockerBuild",
    "Word",
    "cache_spec",
    "parse_bash",
    "parse_docker",
    "parse_powershell",
]
