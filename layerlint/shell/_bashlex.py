"""Tokenizer for bash/sh script text (used by :mod:`layerlint.shell.lexer`).

The tokenizer produces words and operators.  Command substitutions (``$( )``,
backticks, ``<( )``) are handed to :meth:`_BashLexer._parse_nested`, which the
parser overrides to parse their contents recursively.
"""

from __future__ import annotations

from layerlint._lazyre import lazy_re

from ._types import EOF, OP, WORD, Word, _Tok, _TokenStream

_BLANK = " \t\r\f\v"
_BREAK = frozenset(" \t\r\f\v\n;&|()<>")
_PLAIN = lazy_re(__name__, "_PLAIN", r"[^\s;&|()<>\\'\"`$=]+")
_DQ_PLAIN = lazy_re(__name__, "_DQ_PLAIN", r"[^\"\\$`]+")
_CONT = lazy_re(__name__, "_CONT", r"\\[ \t\r\f\v]*\n")
_NAME_SO_FAR = lazy_re(__name__, "_NAME_SO_FAR", r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?\Z")
_FD_REDIR = lazy_re(__name__, "_FD_REDIR", r"\d+(?=[<>])|\{[A-Za-z_][A-Za-z0-9_]*\}(?=[<>])")
_OPS = (
    "<<<", "<<-", ";;&", "&>>",
    "&&", "||", "|&", ";;", ";&", "<<", "<>", "<&", ">>", ">&", ">|", "&>", "((",
    ";", "&", "|", "(", ")", "<", ">",
)  # fmt: skip
REDIRECTS = frozenset({"<<<", "<<-", "<<", "<>", "<&", "<", ">>", ">&", ">|", ">", "&>", "&>>"})
_ANSI = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
         "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}  # fmt: skip
MAX_DEPTH = 60


class _BashLexer(_TokenStream):
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.limit = len(text)
        self.peeked: _Tok | None = None
        self.heredocs: list[tuple[str, bool]] = []
        self.ctx: tuple[str, ...] = ()
        self.depth = 0

    # -- hooks -------------------------------------------------------------
    def _parse_nested(self, start: int, closer: str | None) -> int:
        """Parse commands from ``start``; return the offset just past ``closer``."""
        return self._scan_balanced(start - 1, "(", ")")

    def _lex(self) -> _Tok:
        text, limit = self.text, self.limit
        pos = self.pos
        while pos < limit:
            c = text[pos]
            if c in _BLANK:
                pos += 1
            elif c == "\\":
                m = _CONT.match(text, pos, limit)
                if m is None:
                    if pos + 1 >= limit:  # lone trailing backslash
                        pos += 1
                        continue
                    break
                pos = m.end()
            elif c == "#":
                nl = text.find("\n", pos, limit)
                pos = limit if nl < 0 else nl
            else:
                break
        self.pos = pos
        if pos >= limit:
            return _Tok(EOF, "", limit, limit)
        c = text[pos]
        if c == "\n":
            self.pos = pos + 1
            self._skip_heredocs()
            return _Tok(OP, "\n", pos, pos + 1)
        if c in "<>" and pos + 1 < limit and text[pos + 1] == "(":
            end = self._parse_nested(pos + 2, ")")
            self.pos = end
            return self._word_tok(pos, end, text[pos:end], False)
        # (the pattern needs a leading digit or brace: most tokens need no compiled pattern)
        m = _FD_REDIR.match(text, pos, limit) if c == "{" or c.isdecimal() else None
        start = pos
        if m is not None:
            pos = m.end()
        for op in _OPS:
            if text.startswith(op, pos) and (m is None or op in REDIRECTS):
                self.pos = pos + len(op)
                return _Tok(OP, op, start, self.pos)
        return self._lex_word()

    @staticmethod
    def _word_tok(start: int, end: int, value: str, quoted: bool) -> _Tok:
        w = Word(value, start, end, quoted)
        return _Tok(WORD, value, start, end, w)

    def _skip_heredocs(self) -> None:
        text, limit = self.text, self.limit
        pending, self.heredocs = self.heredocs, []
        for delim, strip_tabs in pending:
            pos = self.pos
            while pos < limit:
                nl = text.find("\n", pos, limit)
                line_end = limit if nl < 0 else nl
                line = text[pos:line_end]
                pos = line_end + 1 if nl >= 0 else limit
                check = line.lstrip("\t") if strip_tabs else line
                if check.strip() == delim:
                    break
            self.pos = min(pos, limit)

    # -- words -------------------------------------------------------------
    def _lex_word(self) -> _Tok:
        text, limit = self.text, self.limit
        start = pos = self.pos
        parts: list[str] = []
        quoted = False
        while pos < limit:
            c = text[pos]
            if c in _BREAK:
                break
            m = _PLAIN.match(text, pos, limit)
            if m is not None:
                parts.append(m.group())
                pos = m.end()
            elif c == "\\":
                if _CONT.match(text, pos, limit):
                    if text[pos + 1] == "\n":
                        pos += 2  # plain line continuation joins the word
                        continue
                    break  # backslash, blanks, newline: a continuation ending the word
                if pos + 1 < limit:
                    parts.append(text[pos + 1])
                    quoted = True
                pos += 2
            elif c == "'":
                end = text.find("'", pos + 1, limit)
                end = limit if end < 0 else end
                parts.append(text[pos + 1 : end])
                quoted = True
                pos = end + 1
            elif c == '"':
                pos = self._lex_dquote(pos + 1, parts)
                quoted = True
            elif c == "$":
                quoted = quoted or text.startswith(("$'", '$"'), pos)
                pos = self._lex_dollar(pos, parts, False)
            elif c == "`":
                pos = self._lex_backtick(pos, parts)
            elif c == "=":
                pos += 1
                parts.append("=")
                if pos < limit and text[pos] == "(" and _NAME_SO_FAR.match("".join(parts)[:-1]):
                    end = self._scan_balanced(pos, "(", ")")
                    parts.append(text[pos:end])
                    pos = end
            else:  # unusual whitespace such as NBSP
                parts.append(c)
                pos += 1
        pos = min(pos, limit)
        self.pos = pos
        return self._word_tok(start, pos, "".join(parts), quoted)

    def _lex_dquote(self, pos: int, parts: list[str]) -> int:
        text, limit = self.text, self.limit
        while pos < limit:
            c = text[pos]
            if c == '"':
                return pos + 1
            m = _DQ_PLAIN.match(text, pos, limit)
            if m is not None:
                parts.append(m.group())
                pos = m.end()
            elif c == "\\":
                nxt = text[pos + 1] if pos + 1 < limit else ""
                if nxt == "\n":
                    pass
                elif nxt in ("$", "`", '"', "\\"):
                    parts.append(nxt)
                else:
                    parts.append("\\" + nxt)
                pos += 2
            elif c == "$":
                pos = self._lex_dollar(pos, parts, True)
            else:  # backtick
                pos = self._lex_backtick(pos, parts)
        return limit

    def _lex_dollar(self, pos: int, parts: list[str], in_dq: bool) -> int:
        text, limit = self.text, self.limit
        nxt = text[pos + 1] if pos + 1 < limit else ""
        if nxt == "(":
            if text.startswith("((", pos + 1):
                end = self._scan_balanced(pos + 1, "(", ")")
            else:
                end = self._parse_nested(pos + 2, ")")
        elif nxt == "{":
            if text.startswith("{{", pos + 1):
                close = text.find("}}", pos + 3, limit)
                end = limit if close < 0 else close + 2
            else:
                end = self._scan_balanced(pos + 1, "{", "}")
        elif nxt == "'" and not in_dq:
            return self._lex_ansi(pos + 2, parts)
        elif nxt == '"' and not in_dq:
            return self._lex_dquote(pos + 2, parts)
        else:
            parts.append("$")
            return pos + 1
        end = min(end, limit)
        parts.append(text[pos:end])
        return end

    def _lex_ansi(self, pos: int, parts: list[str]) -> int:
        text, limit = self.text, self.limit
        while pos < limit:
            c = text[pos]
            if c == "'":
                return pos + 1
            if c == "\\" and pos + 1 < limit:
                parts.append(_ANSI.get(text[pos + 1], "\\" + text[pos + 1]))
                pos += 2
            else:
                parts.append(c)
                pos += 1
        return limit

    def _lex_backtick(self, pos: int, parts: list[str]) -> int:
        text, limit = self.text, self.limit
        end = pos + 1
        while end < limit and text[end] != "`":
            end += 2 if text[end] == "\\" else 1
        end = min(end, limit)
        if self.depth < MAX_DEPTH:
            saved = (self.limit, self.heredocs, self.peeked)
            self.limit, self.heredocs, self.peeked = end, [], None
            try:
                self._parse_nested(pos + 1, None)
            finally:
                self.limit, self.heredocs, self.peeked = saved
        stop = min(end + 1, limit)
        parts.append(text[pos:stop])
        return stop

    def _scan_balanced(self, pos: int, open_: str, close: str) -> int:
        """Offset just past the ``close`` matching the ``open_`` at ``pos``."""
        text, limit = self.text, self.limit
        depth = 0
        while pos < limit:
            c = text[pos]
            if c == "\\":
                pos += 2
                continue
            if c == "'" and open_ != "{":
                q = text.find("'", pos + 1, limit)
                pos = limit if q < 0 else q + 1
                continue
            if c == '"':
                q = pos + 1
                while q < limit and text[q] != '"':
                    q += 2 if text[q] == "\\" else 1
                pos = q + 1
                continue
            if c == open_:
                depth += 1
            elif c == close:
                depth -= 1
                if depth <= 0:
                    return pos + 1
            pos += 1
        return limit
