"""Configuration: ``[tool.layerlint]`` in ``pyproject.toml``, or ``.layerlint.toml`` /
``.layerlint.yaml`` (``.yml``).

Found by walking up from the working directory: the nearest directory with a config file
wins, and in one directory ``.layerlint.toml`` beats ``.layerlint.yaml``/``.yml``, which
beat ``pyproject.toml`` (a ``pyproject.toml`` without ``[tool.layerlint]`` is not a config
file). The walk stops at the repository root (the directory holding ``.git``) or the
filesystem root. ``--config FILE`` names the file; ``--isolated`` ignores all of them.

The file is validated against ``config_schema.json`` (shipped in the package, printed by
``layerlint config-schema``) with ``jsonschema``, imported only when a file exists: a run
without configuration stays lean. Every error names the file, the key path and what is
wrong. Relative paths (``template-repos``, ``fix.template``, globs) are relative to the
directory of the config file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from layerlint._record import Record
from layerlint.severity_types import Severity

Agents = Literal["auto", "hosted", "self-hosted"]
FixStyle = Literal["inline", "template"]
NAMES = (".layerlint.toml", ".layerlint.yaml", ".layerlint.yml", "pyproject.toml")
SCHEMA_PATH = Path(__file__).with_name("config_schema.json")


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


class Config(Record):
    __slots__ = (
        "agents",
        "audit_cache_max_age",
        "audit_cache_max_size",
        "exclude",
        "extend_exclude",
        "extend_select",
        "fix_style",
        "fix_template",
        "ignore",
        "path",
        "per_file_ignores",
        "registries",
        "root",
        "select",
        "severity",
        "template_repos",
    )
    path: Path | None  # None: no config file
    root: Path  # globs and paths are relative to this
    select: tuple[str, ...] | None
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...]
    severity: Mapping[str, Severity]
    exclude: tuple[str, ...] | None  # None: not set (the default excludes apply)
    extend_exclude: tuple[str, ...]
    agents: Agents
    registries: Mapping[str, str]
    template_repos: Mapping[str, Path]
    fix_style: FixStyle
    fix_template: Path | None
    audit_cache_max_age: float | None  # days; None: the default
    audit_cache_max_size: float | None  # megabytes; None: the default

    def __init__(self, path: Path | None = None, root: Path | None = None,
                 select: tuple[str, ...] | None = None, extend_select: tuple[str, ...] = (),
                 ignore: tuple[str, ...] = (),
                 per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = (),
                 severity: Mapping[str, Severity] | None = None,
                 exclude: tuple[str, ...] | None = None, extend_exclude: tuple[str, ...] = (),
                 agents: Agents = "auto", registries: Mapping[str, str] | None = None,
                 template_repos: Mapping[str, Path] | None = None, fix_style: FixStyle = "inline",
                 fix_template: Path | None = None, audit_cache_max_age: float | None = None,
                 audit_cache_max_size: float | None = None) -> None:
        self.path = path
        self.root = Path.cwd() if root is None else root
        self.select = select
        self.extend_select = extend_select
        self.ignore = ignore
        self.per_file_ignores = per_file_ignores
        self.severity = {} if severity is None else severity
        self.exclude = exclude
        self.extend_exclude = extend_exclude
        self.agents = agents
        self.registries = {} if registries is None else registries
        self.template_repos = {} if template_repos is None else template_repos
        self.fix_style = fix_style
        self.fix_template = fix_template
        self.audit_cache_max_age = audit_cache_max_age
        self.audit_cache_max_size = audit_cache_max_size


def schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


def find(cwd: Path) -> Path | None:
    """The config file that applies in ``cwd`` (None: none)."""
    for directory in (cwd, *cwd.parents):
        for name in NAMES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_section(candidate)):
                return candidate
        if (directory / ".git").exists():
            return None
    return None


def _has_section(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*layerlint\s*[\].]", text, re.MULTILINE) is not None


def load(path: Path) -> Config:
    data = _read(path)
    _validate(path, data)
    root = path.parent.resolve()
    fix = data.get("fix", {})
    return Config(
        path=path,
        root=root,
        select=tuple(data["select"]) if "select" in data else None,
        extend_select=tuple(data.get("extend-select", ())),
        ignore=tuple(data.get("ignore", ())),
        per_file_ignores=tuple((g, tuple(c)) for g, c in data.get("per-file-ignores", {}).items()),
        severity=dict(data.get("severity", {})),
        exclude=tuple(data["exclude"]) if "exclude" in data else None,
        extend_exclude=tuple(data.get("extend-exclude", ())),
        agents=data.get("agents", "auto"),
        registries=dict(data.get("registries", {})),
        template_repos={k: (root / v).resolve()
                        for k, v in data.get("template-repos", {}).items()},
        fix_style=fix.get("style", "inline"),
        fix_template=(root / fix["template"]).resolve() if "template" in fix else None,
        audit_cache_max_age=data.get("audit", {}).get("cache-max-age"),
        audit_cache_max_size=data.get("audit", {}).get("cache-max-size"),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc}") from None
    if path.suffix == ".toml":
        import importlib
        import sys

        # tomllib is in the standard library from 3.11; tomli is its backport
        tomllib = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        if path.name == "pyproject.toml":
            data = data.get("tool", {}).get("layerlint", {})
    else:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            data = YAML(typ="safe", pure=True).load(text)
        except YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
        data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    return data


def key_path(parts: Iterable[object]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_-]+", str(part)):
            out += f".{part}" if out else str(part)
        else:
            import json

            out += f"[{json.dumps(str(part))}]"
    return out or "(top level)"


def _validate(path: Path, data: dict[str, Any]) -> None:
    import json

    import jsonschema

    schema = json.loads(schema_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError("\n".join(f"{path}: {_describe(e)}" for e in errors))


def _describe(error: Any) -> str:
    where = list(error.absolute_path)
    value = error.instance
    v = error.validator
    if v == "additionalProperties" and isinstance(value, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in value if k not in allowed)
        keys = ", ".join(repr(k) for k in extra)
        return f"{key_path(where + extra[:1])}: unknown key {keys}; allowed: " + ", ".join(
            sorted(allowed))
    if v == "propertyNames":
        return f"{key_path(where)}: {error.message.split(' does not match')[0]} is not " \
            f"allowed as a key here ({_expected(error)})"
    if v == "enum":
        return f"{key_path(where)}: {value!r} is not one of " + ", ".join(
            repr(x) for x in error.validator_value)
    if v == "type":
        return f"{key_path(where)}: expected {error.validator_value}, got {_type(value)}"
    if v == "pattern":
        return f"{key_path(where)}: {value!r} is not valid ({_expected(error)})"
    if v == "required":
        return f"{key_path(where)}: {error.message}"
    return f"{key_path(where)}: {error.message}"


def _expected(error: Any) -> str:
    desc = error.schema.get("description")
    return desc or f"expected to match {error.schema.get('pattern', '')}"


def _type(value: object) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)


# -- globs -----------------------------------------------------------------------------
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    pattern = pattern.strip("/") if pattern != "/" else pattern
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def glob_match(pattern: str, relpath: str) -> bool:
    """``relpath`` (posix, relative) or one of its parent directories matches ``pattern``;
    a pattern without ``/`` matches a name anywhere (see the schema's ``globs``)."""
    regex = _glob_regex(pattern)
    parts = relpath.split("/")
    if "/" not in pattern.strip("/"):
        return any(regex.match(part) for part in parts)
    return any(regex.match("/".join(parts[:n])) for n in range(1, len(parts) + 1))


class PathRules(Record):
    """Excludes and per-file ignores, matched relative to ``root``."""

    __slots__ = ("exclude", "per_file_ignores", "root")
    root: Path
    exclude: tuple[str, ...]
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...]

    def __init__(self, root: Path, exclude: tuple[str, ...] = (),
                 per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()) -> None:
        self.root = root
        self.exclude = exclude
        self.per_file_ignores = per_file_ignores

    def relative(self, path: Path) -> str | None:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None  # outside the project: no pattern applies

    def excluded(self, path: Path) -> bool:
        rel = self.relative(path)
        return rel is not None and any(glob_match(p, rel) for p in self.exclude)

    def ignored_codes(self, path: Path) -> frozenset[str]:
        rel = self.relative(path)
        if rel is None:
            return frozenset()
        return frozenset().union(*(codes for glob, codes in self.per_file_ignores
                                   if glob_match(glob, rel)))
