"""Parse a file once: text, composed YAML nodes with positions, and an offset index.

Knows nothing about Azure Pipelines. Everything that can go wrong with the bytes of a file
is handled here, once, and surfaces as :class:`DocumentError` (which becomes LL001):

* size: files over ``max_bytes`` are refused from ``stat`` without being read whole;
* encoding: UTF-8 (with or without BOM) and UTF-16 with a BOM; anything else, and text with
  NUL bytes, is refused with the offending byte position;
* nesting: ruamel's C composer recurses in C and crashes the interpreter on very deep input
  (100,000 nested flow sequences segfault CPython), so input whose nesting could be deep is
  first measured with the parser's event stream, which does not recurse;
* alias bombs: composing shares alias targets instead of copying them, so composing is
  cheap, but anything that walks the tree would expand them; the expanded size is computed
  on the node DAG and refused past a budget;
* duplicate mapping keys, which Azure Pipelines rejects ("'steps' is already defined"),
  except template-expression keys (``${{ if ... }}:``, ``${{ elseif ... }}:``,
  ``${{ else }}:``, ``${{ each ... }}:``), which may repeat in one mapping. A duplicate key
  is the one error raised on a file that parsed: the :class:`DocumentError` carries the
  parsed document, so the engine can tell a pipeline (LL001) from other YAML (skipped).

Nodes come from ruamel's C parser when ``ruamel.yaml.clib`` is installed and from the pure
Python one otherwise; both give marks with ``index``/``line``/``column``.
"""

from __future__ import annotations

import bisect
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from layerlint._lazyre import lazy_re
from layerlint._record import MutableRecord

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 500
MAX_EXPANDED_NODES = 1_000_000

Node = Any  # ruamel.yaml.nodes.Node; kept loose so importing this module stays cheap


class DocumentError(Exception):
    """The file cannot be turned into a document. ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = max(1, line)
        self.column = max(1, column)
        # set when the file parsed and only a duplicate key is wrong: what it holds
        self.document: Document | None = None


class DuplicateKeyError(DocumentError):
    """A mapping repeats a key (not a repeatable template expression)."""


class Document(MutableRecord):
    __slots__ = ("_line_starts", "bom", "display", "encoding", "path", "root", "text")
    path: Path  # absolute
    display: str  # as the user named it, relative to the working directory when possible
    text: str  # decoded, without BOM; offsets of nodes index into it
    root: Node | None
    bom: bool
    encoding: str
    _line_starts: list[int]

    def __init__(self, path: Path, display: str, text: str, root: Node | None, bom: bool = False,
                 encoding: str = "utf-8", _line_starts: list[int] | None = None) -> None:
        self.path = path
        self.display = display
        self.text = text
        self.root = root
        self.bom = bom
        self.encoding = encoding
        self._line_starts = [] if _line_starts is None else _line_starts
        self.__post_init__()

    def __post_init__(self) -> None:
        if not self._line_starts:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def node_span(self, node: Node) -> tuple[int, int]:
        return int(node.start_mark.index), int(node.end_mark.index)

    def scalar_offsets(self, node: Node) -> Callable[[int], int]:
        """Map an index into a scalar node's *value* to an offset into the file text.

        The value of a block or quoted scalar differs from its source (indentation removed,
        lines folded, escapes resolved), so the two are aligned greedily: each value
        character is matched to the next source character equal to it, a folded line
        break matches a source line break, and an escape sequence matches its backslash.
        """
        table: list[int] = []

        def offset(k: int) -> int:
            if not table:
                table.extend(self._offset_table(node))
            return table[max(0, min(k, len(table) - 1))]

        return offset

    def _offset_table(self, node: Node) -> list[int]:
        fast = self._verbatim_offsets(node)
        return fast if fast is not None else self._aligned_offsets(node)

    def _verbatim_offsets(self, node: Node) -> list[int] | None:
        """The table of :meth:`_aligned_offsets` when the value is its source verbatim (a
        plain or quoted scalar without folding or escapes) or line by line with the
        indentation removed (a literal block), built a line at a time; None otherwise."""
        start, end = self.node_span(node)
        value = node.value
        style = getattr(node, "style", None)
        if not isinstance(value, str) or style == ">":
            return None
        if style != "|":
            i = start + (style in ("'", '"'))
            if self.text[i:i + len(value)] != value or (style == '"' and "\\" in value):
                return None
            return [*range(i, i + len(value)), end]
        raw = self.text[start:end]
        body = raw.find("\n") + 1
        indent = _block_indent(raw, body) if body else 0
        if not body or not indent:
            return None
        lines = value.split("\n")
        raw_lines = raw[body:].split("\n")
        if len(lines) > len(raw_lines) or lines[0].startswith(" "):
            return None
        table: list[int] = []
        pos = start + body
        for k, line in enumerate(lines):
            source = raw_lines[k].removesuffix("\r")
            skip = min(indent, len(source) - len(source.lstrip(" ")))
            if source[skip:] != line:
                return None
            table.extend(range(pos + skip, pos + len(source)))
            if k < len(lines) - 1:
                table.append(pos + len(source))  # the line break (its \r in \r\n)
            pos += len(raw_lines[k]) + 1
        table.append(end)
        return table

    def _aligned_offsets(self, node: Node) -> list[int]:
        start, end = self.node_span(node)
        value: str = node.value if isinstance(node.value, str) else ""
        style = getattr(node, "style", None)
        raw = self.text[start:end]
        i = 0
        if style in ("|", ">"):
            nl = raw.find("\n")
            i = nl + 1 if nl >= 0 else len(raw)
        elif style in ("'", '"'):
            i = 1
        indent = _block_indent(raw, i) if style in ("|", ">") else 0
        table: list[int] = []
        n = len(raw)
        for ch in value:
            while i < n:
                r = raw[i]
                if r == ch or (ch in " \n" and r in "\r\n"):
                    break
                if style == '"' and r == "\\" and i + 1 < n and raw[i + 1] not in "\r\n":
                    break
                i += 1
            if i >= n:
                table.append(end)
                continue
            table.append(start + i)
            if style == '"' and raw[i] == "\\" and ch != "\\":
                i += {"x": 4, "u": 6, "U": 10}.get(raw[i + 1] if i + 1 < n else "", 2)
            elif style == '"' and raw[i] == "\\":
                i += 2
            elif raw[i] in "\r\n" and indent:
                i += 2 if raw.startswith("\r\n", i) else 1
                skip = 0  # a block line's indentation is not part of the value
                while skip < indent and i < n and raw[i] == " ":
                    i += 1
                    skip += 1
            else:
                i += 1
        table.append(end)
        return table


def _block_indent(raw: str, body: int) -> int:
    """Indentation of a block scalar's content: that of its least indented non-empty line
    (with an indentation indicator, only more-indented leading lines are off by that)."""
    widths = [len(line) - len(line.lstrip(" ")) for line in raw[body:].splitlines()
              if line.strip()]
    return min(widths, default=0)


def decode(data: bytes) -> tuple[str, str, bool]:
    """Return (text, encoding, had_bom) or raise DocumentError."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, bom, body = "utf-8", True, data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, bom, body = "utf-16", True, data
    else:
        encoding, bom, body = "utf-8", False, data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"cannot decode the file as {encoding.upper()} (byte {exc.start}): "
            "Azure Pipelines reads UTF-8, or UTF-16 with a byte-order mark"
        ) from None
    if encoding == "utf-16" and text.startswith("\ufeff"):
        text = text[1:]
    nul = text.find("\x00")
    if nul >= 0:
        raise DocumentError("the file holds NUL bytes: it is binary, not YAML", 1, nul + 1)
    return text, encoding, bom


def _might_nest_deeply(text: str) -> bool:
    """Cheap upper bound on nesting: block depth is bounded by line length, flow depth by
    the number of brackets. Only when the bound is high is the event stream measured."""
    longest = max((len(line) for line in text.splitlines()), default=0)
    return longest + text.count("[") + text.count("{") > MAX_DEPTH


def _check_depth(text: str, pure: bool) -> None:
    from ruamel.yaml import YAML
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    for event in YAML(typ="safe", pure=pure).parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise DocumentError(
                    f"nesting deeper than {MAX_DEPTH} levels", mark.line + 1, mark.column + 1
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _check_tree(doc: Document) -> None:
    """Duplicate keys and alias-expansion size, on the node DAG, without recursion. Sizes
    are only computed when some node is shared, i.e. the document uses aliases."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if not _check_duplicates(doc.root):
        return  # no shared node: duplicate keys checked, no alias expansion to measure

    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(doc.root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            total = 1
            if isinstance(node, MappingNode):
                total += sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            elif isinstance(node, SequenceNode):
                total += sum(sizes[id(v)] for v in node.value)
            if total > MAX_EXPANDED_NODES:
                line, col = node.start_mark.line + 1, node.start_mark.column + 1
                raise DocumentError(
                    f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes "
                    "(an alias bomb?)",
                    line,
                    col,
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        sizes[key] = 0  # in progress; a cycle (recursive alias) counts as small
        stack.append((node, True))
        if isinstance(node, MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if isinstance(k.value, str) and not repeatable_key(k.value):
                    if k.value in seen:
                        raise _duplicate(k)
                    seen.add(k.value)
                stack.append((k, False))
                stack.append((v, False))
        elif isinstance(node, SequenceNode):
            stack.extend((v, False) for v in node.value)


_REPEATABLE = lazy_re(__name__, "_REPEATABLE", r"\s*\$\{\{\s*(?:if|elseif|else|each)\b")


def repeatable_key(key: str) -> bool:
    """Template-expression keys that Azure Pipelines accepts more than once in a mapping
    (rules.md, "Which unparsable files get LL001"): two ``${{ else }}:`` or two identical
    ``${{ if ... }}:`` are two conditional insertions, not a duplicate."""
    return key.lstrip().startswith("${{") and _REPEATABLE.match(key) is not None


def _duplicate(k: Node) -> DocumentError:
    return DuplicateKeyError(f"duplicate key {k.value!r}: Azure Pipelines rejects it",
                         k.start_mark.line + 1, k.start_mark.column + 1)


def _check_duplicates(root: Node) -> bool:
    """Raise on a duplicate key; return whether a collection node is shared (an alias),
    which is when the expanded size has to be measured."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    seen: set[int] = set()
    shared = False
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            if id(node) in seen:
                shared = True
                continue
            seen.add(id(node))
            keys: set[object] = set()
            for k, v in node.value:
                if isinstance(k.value, str) and not repeatable_key(k.value):
                    if k.value in keys:
                        raise _duplicate(k)
                    keys.add(k.value)
                stack.append(v)
        elif isinstance(node, SequenceNode):
            if id(node) in seen:
                shared = True
                continue
            seen.add(id(node))
            stack.extend(node.value)
    return shared


@functools.cache
def _parser_is_pure() -> bool:
    """Use ruamel's C parser when ``ruamel.yaml.clib`` is installed."""
    import sys

    if "_ruamel_yaml" in sys.modules:  # importing ruamel.yaml imported it: no search
        return False
    import importlib.util

    return importlib.util.find_spec("_ruamel_yaml") is None


def parse_text(path: Path, display: str, text: str, *, encoding: str = "utf-8",
               bom: bool = False) -> Document:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    pure = _parser_is_pure()
    try:
        if _might_nest_deeply(text):
            _check_depth(text, pure)
        yaml = _c_yaml() if not pure else YAML(typ="safe", pure=True)
        yaml.Resolver = _resolver_class()
        roots = [n for n in yaml.compose_all(text) if n is not None]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context == "while scanning a simple key" and exc.context_mark is not None:
            mark = exc.context_mark  # the key missing its ": " is the cause, not where it ended
        message = " ".join(str(x) for x in (exc.context, exc.problem) if x) or "invalid YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise DocumentError(message, line, col) from None
    except YAMLError as exc:
        raise DocumentError(str(exc).strip().splitlines()[0] or "invalid YAML") from None
    except RecursionError:
        raise DocumentError("nesting too deep to parse") from None
    except (ValueError, TypeError) as exc:  # odd scalars the constructor-less composer trips on
        raise DocumentError(f"invalid YAML: {exc}") from None
    doc = Document(path, display, text, roots[0] if roots else None, bom, encoding)
    if doc.root is not None:
        try:
            _check_tree(doc)
        except DuplicateKeyError as exc:
            exc.document = doc
            raise
    return doc


_C_YAML: dict[int, Any] = {}  # thread id -> YAML (ids of ended threads are reused)


def _c_yaml() -> Any:
    """One ``YAML`` object per thread for the C parser: creating one looks for plug-ins on
    disk (3% of a run over the corpus). Reusing it is safe there because every
    ``compose_all`` builds a fresh C loader; the pure-Python composer keeps state (anchors)
    across calls, so it gets a new object each time."""
    import _thread  # built in: importing threading would cost start-up

    from ruamel.yaml import YAML

    yaml = _C_YAML.get(_thread.get_ident())
    if yaml is None:
        yaml = _C_YAML[_thread.get_ident()] = YAML(typ="safe", pure=False)
    yaml.doc_infos.clear()  # compose_all appends one per call
    return yaml


@functools.cache
def _resolver_class() -> type:
    """A resolver that tags every plain scalar ``str``. Azure Pipelines reads every value as
    a string (``enabled: false`` and ``enabled: 'false'`` are the same), and implicit tag
    resolution (a regex battery per scalar) is half the cost of composing. Explicit tags
    (``!!int 1``) are kept."""
    from ruamel.yaml.nodes import ScalarNode, SequenceNode
    from ruamel.yaml.resolver import VersionedResolver

    class StringResolver(VersionedResolver):
        def resolve(self, kind: type, value: object, implicit: object) -> str:
            if kind is ScalarNode:
                return "tag:yaml.org,2002:str"
            if kind is SequenceNode:
                return "tag:yaml.org,2002:seq"
            return "tag:yaml.org,2002:map"

    return StringResolver


def load(path: Path, display: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read, decode and parse ``path``; raise DocumentError for anything unusable."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise DocumentError(
                f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; not read"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read the file: {exc.strerror or exc}") from None
    text, encoding, bom = decode(data)
    return parse_text(path, display, text, encoding=encoding, bom=bom)
