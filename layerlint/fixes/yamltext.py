"""Where and how to write YAML text into an existing file without re-dumping it.

Everything here works on the original text and the composed nodes' offsets (style.md: use
ruamel to locate, apply fixes as text edits). New text copies the file's conventions: line
endings (LF or CRLF) and the indentation of the sibling it is inserted next to, whether the
list is indented or indentless.
"""

from __future__ import annotations

from layerlint._record import Record
from layerlint.document import Document, Node


def newline(text: str) -> str:
    """The file's line break: CRLF when its first line ends with one."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """Offset just past the line break of the line holding ``offset``."""
    end = text.find("\n", offset)
    return len(text) if end < 0 else end + 1


class ItemSlot(Record):
    """A block-sequence item written as ``<indent>- <first key>...``."""

    __slots__ = ("content_col", "dash_indent", "end", "start")
    start: int  # offset of the start of the dash line
    dash_indent: str  # text before the dash
    content_col: int  # 0-based column of the item's content (after "- ")
    end: int  # offset just past the item's last line (its trailing comments excluded)

    def __init__(self, start: int, dash_indent: str, content_col: int, end: int) -> None:
        self.start = start
        self.dash_indent = dash_indent
        self.content_col = content_col
        self.end = end


def item_slot(doc: Document, node: Node) -> ItemSlot | None:
    """The block-sequence slot of a mapping item, or None when the item is not written as
    ``- key: ...`` on its own line (flow sequences, odd layouts): then no fix is offered."""
    if getattr(node, "flow_style", False):
        return None  # `- {script: ...}`: rewriting flow style is not worth the risk
    text = doc.text
    start = int(node.start_mark.index)
    i = start - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    if i < 0 or text[i] != "-":
        return None
    ls = line_start(text, i)
    dash_indent = text[ls:i]
    if dash_indent.strip():
        return None  # "- - key" or content before the dash
    content_col = start - ls
    return ItemSlot(ls, dash_indent, content_col, _item_end(text, node))


def _item_end(text: str, node: Node) -> int:
    """Past the last line that holds the item's own text. The composer's end mark of a
    block mapping sits at the next token, after any blank and comment lines; walk back over
    those so they stay with what follows."""
    end = int(node.end_mark.index)
    pos = line_start(text, end)
    if text[pos:end].strip():
        return line_end(text, end)  # ended inside a line (last item, no final newline)
    while pos > 0:
        prev = line_start(text, pos - 1)
        stripped = text[prev:pos].strip()
        if stripped and not stripped.startswith("#"):
            break
        pos = prev
    return pos


def indent_block(lines: list[str], indent: str, nl: str) -> str:
    """Lines (no line breaks) prefixed with ``indent``, blank lines left empty."""
    return "".join((indent + line if line else "") + nl for line in lines)


def render_step(lines: list[str], slot: ItemSlot, nl: str) -> str:
    """A step written as ``lines`` (the first line starts the mapping, later lines are
    relative to the mapping's content column) at the slot's indentation."""
    first, *rest = lines
    pad = " " * slot.content_col
    out = f"{slot.dash_indent}- {first}{nl}"
    out += "".join((pad + line if line else "") + nl for line in rest)
    return out


def yaml_quote(value: str) -> str:
    """A single-quoted YAML scalar (always safe in a flow or block context)."""
    return "'" + value.replace("'", "''") + "'"


PLAIN_UNSAFE = set(":#{}[],&*!|>'\"%@`")


def yaml_scalar(value: str) -> str:
    """Plain when that is unambiguous, single-quoted otherwise."""
    if (not value or value != value.strip() or any(c in PLAIN_UNSAFE for c in value[:1])
            or ": " in value or " #" in value or value.lower() in {"true", "false", "null",
                                                                   "yes", "no", "~"}):
        return yaml_quote(value)
    return value
