"""The audit's data: what to audit (:class:`RepoSpec`), what was found per repository
(:class:`RepoReport`) and the whole run (:class:`Audit`), with the JSON contract.

JSON (version 1), parsed by other tools; keep it stable::

    {"version": 1, "layerlint": VERSION,
     "repositories": [{"name", "source", "files": [{"path", "status"}],
                       "findings": [check's finding objects, paths relative to the repo],
                       "builds": [check's build objects], "error": null or a message}],
     "totals": {"repositories", "files", "builds", "cached_builds", "findings",
                "by_rule": {CODE: count}}}

``builds`` per repository (check's build objects) is what the per-repository charts are
drawn from, so a merged result can be reported exactly like an unsharded one. ``totals.files``
counts pipeline files (status ``linted`` or ``error``; YAML that is not a pipeline is listed
in ``files`` as ``skipped`` but not counted). Repositories are sorted by (name, source).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["local", "git", "azure"]
JSONObject = dict[str, Any]


@dataclass(frozen=True)
class RepoSpec:
    """One repository to audit. ``key`` identifies it across machines and runs (sharding,
    caching of clones); ``error`` marks a source that failed before auditing started."""

    name: str
    source: str
    kind: Kind
    location: str
    branch: str | None = None
    extra_files: tuple[str, ...] = ()
    error: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.source}"


@dataclass
class RepoReport:
    name: str
    source: str
    files: list[JSONObject] = field(default_factory=list)
    findings: list[JSONObject] = field(default_factory=list)
    builds: list[JSONObject] = field(default_factory=list)
    error: str | None = None

    @property
    def pipeline_files(self) -> int:
        return sum(1 for f in self.files if f["status"] != "skipped")

    @property
    def cached_builds(self) -> int:
        return sum(1 for b in self.builds if b["cached"])

    @property
    def uncached_builds(self) -> int:
        return len(self.builds) - self.cached_builds

    @property
    def by_rule(self) -> Counter[str]:
        return Counter(f["code"] for f in self.findings)

    @property
    def failing(self) -> bool:
        """Fails the run: a failure, or a finding of severity other than ``info``."""
        return self.error is not None or any(f["severity"] != "info" for f in self.findings)

    def badness(self) -> tuple[int, int, int, str, str]:
        """Sort key, worst first: failures, then findings, then uncached builds."""
        return (-(self.error is not None), -len(self.findings), -self.uncached_builds,
                self.name, self.source)

    def to_json(self) -> JSONObject:
        return {"name": self.name, "source": self.source, "files": self.files,
                "findings": self.findings, "builds": self.builds, "error": self.error}

    @classmethod
    def from_json(cls, data: JSONObject) -> RepoReport:
        try:
            return cls(str(data["name"]), str(data["source"]), list(data["files"]),
                       list(data["findings"]), list(data.get("builds", [])),
                       None if data["error"] is None else str(data["error"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an audit repository object: missing {exc}") from exc


@dataclass(frozen=True)
class Totals:
    repositories: int
    files: int
    builds: int
    cached_builds: int
    findings: int
    failed: int
    by_rule: dict[str, int]

    def to_json(self) -> JSONObject:
        return {"repositories": self.repositories, "files": self.files, "builds": self.builds,
                "cached_builds": self.cached_builds, "findings": self.findings,
                "by_rule": self.by_rule}


@dataclass
class Audit:
    repositories: list[RepoReport]
    version: str = ""

    def __post_init__(self) -> None:
        if not self.version:
            from layerlint import __version__

            self.version = __version__
        self.repositories.sort(key=lambda r: (r.name, r.source))

    @property
    def totals(self) -> Totals:
        by_rule: Counter[str] = Counter()
        for repo in self.repositories:
            by_rule.update(repo.by_rule)
        repos = self.repositories
        return Totals(len(repos), sum(r.pipeline_files for r in repos),
                      sum(len(r.builds) for r in repos), sum(r.cached_builds for r in repos),
                      sum(len(r.findings) for r in repos),
                      sum(1 for r in repos if r.error is not None), dict(sorted(by_rule.items())))

    @property
    def failing(self) -> bool:
        return any(r.failing for r in self.repositories)

    def worst_first(self) -> list[RepoReport]:
        return sorted(self.repositories, key=RepoReport.badness)

    def to_json(self) -> JSONObject:
        return {"version": 1, "layerlint": self.version,
                "repositories": [r.to_json() for r in self.repositories],
                "totals": self.totals.to_json()}

    @classmethod
    def from_json(cls, data: Any) -> Audit:
        if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(
                data.get("repositories"), list):
            raise ValueError("not a layerlint audit result (version 1)")
        repos = [RepoReport.from_json(r) for r in data["repositories"]]
        return cls(repos, str(data.get("layerlint", "")))


def render_json(audit: Audit) -> str:
    import json

    return json.dumps(audit.to_json(), indent=2, ensure_ascii=False) + "\n"
