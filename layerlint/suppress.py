"""Inline suppressions, applied by the engine to findings (rules know nothing of them).

* ``# layerlint: disable=LL101,LL202 -- reason`` at the end of a line suppresses those
  codes on that line (and, after a block-scalar indicator, ``- script: |  # layerlint:
  ...``, on the first line of the script too); on a line of its own (only the comment) it
  suppresses them on the next line that is not blank and not a comment.
* ``# layerlint: disable-file=LL101`` anywhere suppresses the codes in the whole file.

Codes may be rule names (``uncached-docker-build``), prefixes (``LL1``) or ``all``. The
comment may be a YAML comment or a shell/PowerShell comment inside a block-scalar script
(``script: |``): findings are reported at lines of the YAML file, so a comment line just
above the command works the same way in both. A ``#`` counts only where it starts a
comment: at the start of a line or after whitespace, and not inside a quoted YAML scalar or
a quoted string of a script line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from layerlint._lazyre import lazy_re
from layerlint._record import MutableRecord
from layerlint.document import Document, Node
from layerlint.finding import Finding

_DIRECTIVE = lazy_re(__name__, "_DIRECTIVE",
    r"#\s*layerlint:\s*(?P<kind>disable-file|disable)\s*=\s*(?P<codes>[\w\-]+(?:\s*,\s*[\w\-]+)*)"
    r"(?:\s*--\s*(?P<reason>.*\S))?", re.IGNORECASE)
_BLOCK_INDICATOR = lazy_re(__name__, "_BLOCK_INDICATOR", r":\s*[|>][+-]?[1-9]?[+-]?\s*$")


class Suppression(MutableRecord):
    __slots__ = ("codes", "line", "path", "reason", "targets", "used")
    path: str
    line: int  # where the comment is
    targets: tuple[int, ...]  # the lines it applies to (empty: the whole file)
    codes: tuple[str, ...]
    reason: str
    used: set[str]

    def __init__(self, path: str, line: int, targets: tuple[int, ...], codes: tuple[str, ...],
                 reason: str = "", used: set[str] | None = None) -> None:
        self.path = path
        self.line = line
        self.targets = targets
        self.codes = codes
        self.reason = reason
        self.used = set() if used is None else used

    def matches(self, code: str, name: str) -> str | None:
        """The entry of ``codes`` that covers ``code`` (None: none does)."""
        for entry in self.codes:
            low = entry.lower()
            if low == "all" or entry.upper() == code or low == name or (
                    re.fullmatch(r"LL\d{1,2}", entry.upper()) and code.startswith(entry.upper())):
                return entry
        return None

    def describe(self) -> str:
        kind = "disable-file" if not self.targets else "disable"
        unused = [c for c in self.codes if c not in self.used]
        return f"{self.path}:{self.line}: unused suppression {kind}={','.join(unused)}"


def _quoted_spans(root: Node | None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(quoted scalar spans, block scalar spans) of a node tree, without recursion."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    quoted: list[tuple[int, int]] = []
    block: list[tuple[int, int]] = []
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            span = (node.start_mark.index, node.end_mark.index)
            if node.style in ("'", '"'):
                quoted.append(span)
            elif node.style in ("|", ">"):
                block.append(span)
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                stack += [k, v]
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return quoted, block


def _inside(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= offset < e for s, e in spans)


def _comment_start(line: str, shell: bool) -> int:
    """Index of the ``#`` that starts a comment in ``line`` (-1: none). In a script line,
    quotes are shell/PowerShell quotes; in YAML, quoting is known from the node tree, so
    only the "after whitespace" rule applies here."""
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1
            elif ch == quote:
                quote = ""
        elif shell and ch in "'\"":
            quote = ch
        elif shell and ch in "\\`":
            i += 1
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        i += 1
    return -1


def parse(doc: Document) -> list[Suppression]:
    if "layerlint:" not in doc.text:
        return []
    quoted, block = _quoted_spans(doc.root)
    lines = doc.text.split("\n")
    out: list[Suppression] = []
    offset = 0
    pending: list[Suppression] = []  # own-line comments waiting for their target line
    for number, line in enumerate(lines, start=1):
        start = offset
        offset += len(line) + 1
        stripped = line.strip()
        hash_at = -1
        if "layerlint:" in line:
            shell = _inside(start + len(line) - len(line.lstrip()), block)
            hash_at = _comment_start(line, shell)
            while hash_at >= 0 and _inside(start + hash_at, quoted):
                nxt = _comment_start(line[hash_at + 1:], shell)
                hash_at = -1 if nxt < 0 else hash_at + 1 + nxt
        own_line = hash_at >= 0 and not line[:hash_at].strip()
        if stripped and not stripped.startswith("#") and not own_line:
            for s in pending:
                s.targets = (number,)
            pending = []
        if hash_at < 0:
            continue
        m = _DIRECTIVE.match(line, hash_at)
        if m is None:
            continue
        codes = tuple(c.strip() for c in m.group("codes").split(","))
        block_start = _BLOCK_INDICATOR.search(line[:hash_at]) is not None
        targets = (number, number + 1) if block_start else (number,)
        s = Suppression(doc.display, number, targets, codes, m.group("reason") or "")
        if m.group("kind").lower() == "disable-file":
            s.targets = ()
        elif own_line:
            s.targets = (-1,)  # until the next line of content
            pending.append(s)
        out.append(s)
    return out


def apply(findings: Iterable[Finding], by_path: dict[str, list[Suppression]]
          ) -> Iterator[Finding]:
    """The findings no suppression covers; marks the suppressions that were used."""
    for f in findings:
        suppressed = False
        for s in by_path.get(f.path, ()):
            if not s.targets or f.line in s.targets:
                entry = s.matches(f.code, f.name)
                if entry is not None:
                    s.used.add(entry)
                    suppressed = True
        if not suppressed:
            yield f


def unused(by_path: dict[str, list[Suppression]]) -> list[str]:
    return [s.describe() for sups in by_path.values() for s in sups
            if any(c not in s.used for c in s.codes)]
