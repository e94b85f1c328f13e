"""Baselines: adopt layerlint on a repository without fixing everything first.

``--write-baseline FILE`` records the current findings; ``--baseline FILE`` then reports
only findings that are not in it. An entry is keyed on what survives unrelated edits, not
on line numbers: the rule code, the file (relative to the baseline file's directory), the
YAML path of the innermost list item holding the finding (``stages[0].jobs[1].steps[3]``)
and the offending text with whitespace collapsed. Matching is a multiset: each entry
absorbs one finding, so a new finding of the same rule in the same file is still
reported. A finding that does not match exactly (a step was inserted above it, so its
index moved) may match an unused entry with the same code, file and text.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerlint.document import Document, Node
from layerlint.finding import Finding

VERSION = 1


class BaselineError(Exception):
    pass


@dataclass(frozen=True)
class Key:
    code: str
    path: str  # posix, relative to the baseline's directory
    where: str  # YAML path of the innermost list item
    text: str  # the offending text, whitespace collapsed

    @property
    def exact(self) -> str:
        return _hash(self.code, self.path, self.where, self.text)

    @property
    def loose(self) -> str:
        return _hash(self.code, self.path, self.text)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:20]


def _offset(text: str, line: int, column: int) -> int:
    pos = 0
    for _ in range(line - 1):
        nl = text.find("\n", pos)
        if nl < 0:
            return len(text)
        pos = nl + 1
    return min(pos + column - 1, len(text))


def yaml_path(root: Node | None, offset: int) -> str:
    """``a.b[2].c[0]`` down to the innermost sequence item whose text holds ``offset``."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    parts: list[str] = []
    keep = 0  # the path is cut after the last sequence index
    node = root
    while node is not None:
        child: Node | None = None
        if isinstance(node, MappingNode):
            for k, v in node.value:
                if k.start_mark.index <= offset < max(v.end_mark.index, k.end_mark.index + 1):
                    key = str(k.value)
                    parts.append(f".{key}" if key.isidentifier() else f"[{json.dumps(key)}]")
                    child = v
                    break
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                if item.start_mark.index - 2 <= offset < item.end_mark.index:
                    parts.append(f"[{i}]")
                    keep = len(parts)
                    child = item
                    break
        node = child
    return "".join(parts[:keep]).lstrip(".")


def key_for(f: Finding, doc: Document | None, base: Path, cwd: Path) -> Key:
    path = Path(os.path.relpath(cwd / f.path, base)).as_posix()
    if doc is None:
        return Key(f.code, path, "", " ".join(f.message.split()))
    start = _offset(doc.text, f.line, f.column)
    end = _offset(doc.text, f.end_line, f.end_column)
    snippet = doc.text[start:end] if end > start else ""
    if not snippet.strip():
        line_start = doc.text.rfind("\n", 0, start) + 1
        line_end = doc.text.find("\n", start)
        snippet = doc.text[line_start:line_end if line_end >= 0 else len(doc.text)]
    return Key(f.code, path, yaml_path(doc.root, start), " ".join(snippet.split()))


def write(path: Path, findings: Sequence[Finding], keys: Sequence[Key]) -> None:
    entries = [
        {"code": f.code, "path": k.path, "where": k.where, "line": f.line,
         "fingerprint": k.exact, "content": k.loose}
        for f, k in sorted(zip(findings, keys, strict=True), key=lambda fk: fk[0])
    ]
    data = {"version": VERSION, "tool": "layerlint", "findings": entries}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@dataclass
class Baseline:
    exact: Counter[str]
    loose: Counter[str]

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise BaselineError(f"{path}: not a layerlint baseline (invalid JSON: {exc})"
                                ) from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise BaselineError(f"{path}: not a version {VERSION} layerlint baseline")
        entries = data.get("findings")
        if not isinstance(entries, list) or not all(
                isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                and isinstance(e.get("content"), str) for e in entries):
            raise BaselineError(f"{path}: \"findings\" must be a list of entries with "
                                "\"fingerprint\" and \"content\"")
        return cls(Counter(e["fingerprint"] for e in entries),
                   Counter(e["content"] for e in entries))

    def new_findings(self, findings: Iterable[Finding], keys: Iterable[Key]) -> list[Finding]:
        """The findings the baseline does not absorb: exact matches first, then matches
        on code, file and text for what is left."""
        pairs = list(zip(findings, keys, strict=True))
        exact, loose = Counter(self.exact), Counter(self.loose)
        unmatched: list[tuple[Finding, Key]] = []
        for f, k in pairs:
            if exact[k.exact] > 0 and loose[k.loose] > 0:
                exact[k.exact] -= 1
                loose[k.loose] -= 1
            else:
                unmatched.append((f, k))
        out: list[Finding] = []
        for f, k in unmatched:
            if loose[k.loose] > 0:
                loose[k.loose] -= 1
            else:
                out.append(f)
        return out
