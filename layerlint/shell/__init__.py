"""Shell script analysis: command extraction for bash and PowerShell, docker build parsing."""

from __future__ import annotations

from ._cache import CacheSpec, cache_spec
from ._types import Command, Word
from .docker import BuilderCommand, DockerBuild, parse_docker
from .lexer import parse_bash


def parse_powershell(text: str) -> list[Command]:
    """Commands of a PowerShell script (:func:`layerlint.shell.powershell.parse_powershell`;
    its lexer is imported by the first PowerShell script, not by every run)."""
    from .powershell import parse_powershell as parse

    return parse(text)


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
