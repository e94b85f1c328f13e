"""Text edits the expert rules share: inserting into a command of an inline script, and
rewriting a scalar of a task's inputs, at offsets of the file that holds the text.

Edits keep the file's style: text inserted into a scalar is escaped for the scalar's style
(plain, single- or double-quoted, literal block), a new line takes its neighbours'
indentation and the file's line ending (CRLF stays CRLF). When an edit cannot be made
exactly (a folded scalar, a word whose source spelling differs from its value), the helper
returns None and the rule offers no fix.
"""

from __future__ import annotations

from layerlint.document import Document, Node
from layerlint.finding import Edit
from layerlint.pipeline.model import Job
from layerlint.shell import Command, Word
from layerlint.timeline import Build, ScriptRun

BUILDER = "layerlint"
GUARDED_CREATE = (f"docker buildx inspect {BUILDER} >/dev/null 2>&1 "
                  f"|| docker buildx create --name {BUILDER} --driver docker-container")


def newline(doc: Document) -> str:
    return "\r\n" if "\r\n" in doc.text else "\n"


def fixable(build: Build, job: Job) -> ScriptRun | None:
    """The bash script a build's command may be rewritten in: not on Windows pools (no
    buildx there, rules.md "The fixed form"), not PowerShell or cmd."""
    run = build.script
    if run is None or job.pool.os == "windows" or run.shell != "bash":
        return None
    if (getattr(run.node, "style", None) or None) not in (None, "|", "'", '"'):
        return None
    return run


def _escape(run: ScriptRun, text: str) -> str | None:
    style = getattr(run.node, "style", None) or None
    if style == "'":
        return text.replace("'", "''")
    if style == '"':
        return text.replace("\\", "\\\\").replace('"', '\\"')
    if style is None and (": " in text or " #" in text or "\n" in text):
        return None
    return text


def insert_after(run: ScriptRun, index: int, text: str) -> Edit | None:
    """Insert ``text`` after script character ``index - 1`` (i.e. at script index)."""
    if index <= 0:
        return None
    off = run.offset(index - 1)
    if run.doc.text[off:off + 1] != run.text[index - 1]:
        return None
    escaped = _escape(run, text)
    return None if escaped is None else Edit(off + 1, off + 1, escaped)


def value_span(run: ScriptRun, word: Word) -> tuple[int, int] | None:
    """Script indices of ``word.value`` when the source spells the value verbatim
    (unquoted, or wrapped in one pair of quotes)."""
    raw = run.text[word.start:word.end]
    if raw == word.value:
        return word.start, word.end
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'" and raw[1:-1] == word.value:
        return word.start + 1, word.end - 1
    return None


def attr_end(run: ScriptRun, word: Word, key: str) -> int | None:
    """Script index just after the value of ``key=`` inside a cache spec word."""
    span = value_span(run, word)
    if span is None:
        return None
    fields = word.value.split(",")
    pos = 0
    for f in fields:
        if f.lower().startswith(key + "="):
            return span[0] + pos + len(f)
        pos += len(f) + 1
    return None


def chainable(cmd: Command) -> bool:
    """A command that ``&& more`` can be appended to without changing what runs."""
    return cmd.after not in ("|", "|&") and not set(cmd.context) & {
        "if-cond", "while-cond", "subst"}


def plain_word(value: str) -> bool:
    return bool(value) and not any(c.isspace() for c in value) and "'" not in value


def rotation(dest: str) -> str:
    """Replace the cache dir by the freshly exported one, only after a successful build
    (rules.md, "The fixed form": chain it, do not add ``set -e`` to someone's script)."""
    return f" && rm -rf {dest} && mv {dest}-new {dest}"


def chain_after(run: ScriptRun, cmd: Command, tail: str) -> Edit | None:
    """Append `` && ...`` to ``cmd``: on a continuation line of its own when the command
    already spans lines of a literal block (indented like its last line)."""
    text = run.text[cmd.start:cmd.end]
    if "\n" in text and getattr(run.node, "style", None) == "|" and tail.startswith(" "):
        off = run.offset(cmd.end - 1)
        indent = line_indent(run.doc, off)
        edit = insert_after(run, cmd.end, "")
        if edit is None:
            return None
        return Edit(edit.start, edit.end, f" \\{newline(run.doc)}{indent}{tail.lstrip()}")
    return insert_after(run, cmd.end, tail)


def statement_start(cmd: Command) -> bool:
    return cmd.before in (None, "\n", ";") and not set(cmd.context) & {
        "if-cond", "while-cond", "subst"}


def insert_before_command(run: ScriptRun, cmd: Command, line: str) -> Edit | None:
    """Insert ``line`` as its own command before ``cmd`` (a new line with the same
    indentation in a literal block, else ``line; `` on the same line)."""
    if not statement_start(cmd):
        return None
    off = run.offset(cmd.start)
    if run.doc.text[off:off + 1] != run.text[cmd.start:cmd.start + 1]:
        return None
    doc = run.doc
    line_start = doc.text.rfind("\n", 0, off) + 1
    indent = doc.text[line_start:off]
    if getattr(run.node, "style", None) == "|" and not indent.strip():
        return Edit(off, off, line + newline(doc) + indent)
    escaped = _escape(run, line + "; ")
    return None if escaped is None else Edit(off, off, escaped)


# -- YAML scalars -----------------------------------------------------------------------
def line_indent(doc: Document, offset: int) -> str:
    start = doc.text.rfind("\n", 0, offset) + 1
    end = start
    while end < len(doc.text) and doc.text[end] in " \t":
        end += 1
    return doc.text[start:end]


def node_end(doc: Document, node: Node) -> int:
    """End of a scalar's own text (a block scalar's span includes the line breaks after
    it)."""
    start, end = doc.node_span(node)
    return start + len(doc.text[start:end].rstrip())


def scalar_text(doc: Document, node: Node, value: str) -> str | None:
    """``value`` written as a one-line scalar in ``node``'s style where possible."""
    if "\n" in value:
        return None
    style = getattr(node, "style", None) or None
    if style == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style is None and value and value[0] not in "\"'&*!|>%@`{[#-?:,]" and (
            ": " not in value and " #" not in value and not value.endswith(":")):
        return value
    return "'" + value.replace("'", "''") + "'"


def replace_scalar(doc: Document, node: Node, value: str) -> Edit | None:
    text = scalar_text(doc, node, value)
    if text is None:
        return None
    start, _ = doc.node_span(node)
    return Edit(start, node_end(doc, node), text)


def block_lines(doc: Document, key_offset: int, lines: list[str]) -> str:
    """A ``|`` block scalar body for a mapping entry whose key starts at ``key_offset``."""
    nl = newline(doc)
    indent = line_indent(doc, key_offset) + "  "
    return "|" + "".join(nl + indent + line for line in lines)


def line_end(doc: Document, offset: int) -> int:
    """Offset of the line break ending the line that holds ``offset`` (before a CR)."""
    end = doc.text.find("\n", offset)
    end = len(doc.text) if end < 0 else end
    return end - 1 if end > 0 and doc.text[end - 1] == "\r" else end


def add_entry_after(doc: Document, node: Node, entry: str) -> Edit:
    """A new mapping entry on the line after the one ending with scalar ``node``, indented
    like that line's key."""
    at = line_end(doc, node_end(doc, node))
    indent = line_indent(doc, doc.node_span(node)[0])
    return Edit(at, at, f"{newline(doc)}{indent}{entry}")
