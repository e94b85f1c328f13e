"""Tokenizer for PowerShell script text (used by :mod:`layerlint.shell.powershell`)."""

from __future__ import annotations

from layerlint._lazyre import lazy_re

from ._types import EOF, OP, WORD, Word, _Tok, _TokenStream

_BLANK = " \t\r\f\v"
_BREAK = frozenset(" \t\r\f\v\n;|&{}()<>")
_PLAIN = lazy_re(__name__, "_PLAIN", r"[^\s;|&{}()<>'\"`$@]+")
_DQ_PLAIN = lazy_re(__name__, "_DQ_PLAIN", r"[^\"`$]+")
_CONT = lazy_re(__name__, "_CONT", r"`[ \t\r\f\v]*\n")
_REDIR = lazy_re(__name__, "_REDIR", r"[1-6*]?>>?(?:&[1-6])?|<")
_HERE_OPEN = lazy_re(__name__, "_HERE_OPEN", r"@([\"'])[ \t\r]*\n")
_ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "f": "\f",
        "v": "\v", "e": "\x1b"}  # fmt: skip
_OPS = ("&&", "||", "|", ";", "&", "{", "}", ")")
MAX_DEPTH = 60


class _PsLexer(_TokenStream):
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.limit = len(text)
        self.peeked: _Tok | None = None
        self.ctx: tuple[str, ...] = ()
        self.paren_mode = ""  # '' (subexpression), 'cond' or 'opaque'
        self.depth = 0

    def _parse_nested(self, start: int, subst: bool) -> int:
        """Parse a ``(``-group whose contents begin at ``start``; return its end."""
        return self._scan_balanced(start - 1, "(", ")")

    def _lex(self) -> _Tok:
        text, limit = self.text, self.limit
        pos = self.pos
        while pos < limit:
            c = text[pos]
            if c in _BLANK:
                pos += 1
            elif c == "`" and _CONT.match(text, pos, limit):
                pos = text.index("\n", pos, limit) + 1
            elif c == "#":
                nl = text.find("\n", pos, limit)
                pos = limit if nl < 0 else nl
            elif c == "<" and text.startswith("<#", pos):
                close = text.find("#>", pos + 2, limit)
                pos = limit if close < 0 else close + 2
            else:
                break
        self.pos = pos
        if pos >= limit:
            return _Tok(EOF, "", limit, limit)
        c = text[pos]
        if c == "\n":
            self.pos = pos + 1
            return _Tok(OP, "\n", pos, pos + 1)
        if c == "(":
            mode, self.paren_mode = self.paren_mode, ""
            if mode == "opaque":
                end = self._scan_balanced(pos, "(", ")")
            else:
                end = min(self._parse_nested(pos + 1, mode != "cond"), limit)
            self.pos = end
            return self._word_tok(pos, end, text[pos:end], False)
        m = _HERE_OPEN.match(text, pos, limit)
        if m is not None:
            return self._here_string(pos, m.end(), m.group(1))
        m = _REDIR.match(text, pos, limit)
        if m is not None:
            self.pos = m.end()
            return _Tok(OP, m.group(), pos, self.pos)
        for op in _OPS:
            if text.startswith(op, pos):
                self.pos = pos + len(op)
                return _Tok(OP, op, pos, self.pos)
        return self._lex_word()

    @staticmethod
    def _word_tok(start: int, end: int, value: str, quoted: bool) -> _Tok:
        return _Tok(WORD, value, start, end, Word(value, start, end, quoted))

    def _here_string(self, start: int, body: int, quote: str) -> _Tok:
        text, limit = self.text, self.limit
        pos = body
        while pos < limit:
            nl = text.find("\n", pos, limit)
            line_end = limit if nl < 0 else nl
            if text[pos:line_end].lstrip().startswith(quote + "@"):
                value = text[body : max(body, pos - 1)].replace("\r\n", "\n")
                end = text.index(quote + "@", pos) + 2
                if quote == '"':
                    self._subexpressions(body, pos)
                self.pos = end
                return self._word_tok(start, end, value, True)
            pos = limit if nl < 0 else nl + 1
        self.pos = limit
        return self._word_tok(start, limit, text[body:limit], True)

    def _subexpressions(self, start: int, end: int) -> None:
        """Parse the ``$( )`` subexpressions of an expandable here-string."""
        pos = start
        while True:
            pos = self.text.find("$(", pos, end)
            if pos < 0:
                return
            pos = self._parse_nested(pos + 2, True)

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
            elif c == "`":
                if _CONT.match(text, pos, limit):
                    break
                if pos + 1 < limit:
                    parts.append(text[pos + 1])
                    quoted = True
                pos += 2
            elif c == "'":
                pos = self._lex_squote(pos + 1, parts)
                quoted = True
            elif c == '"':
                pos = self._lex_dquote(pos + 1, parts)
                quoted = True
            elif c in "$@":
                pos = self._lex_sigil(pos, parts)
            else:  # unusual whitespace such as NBSP
                parts.append(c)
                pos += 1
        self.pos = pos = min(pos, limit)
        return self._word_tok(start, pos, "".join(parts), quoted)

    def _lex_sigil(self, pos: int, parts: list[str]) -> int:
        text, limit = self.text, self.limit
        nxt = text[pos + 1] if pos + 1 < limit else ""
        if nxt == "(":
            end = self._parse_nested(pos + 2, True)
        elif nxt == "{":
            end = self._scan_balanced(pos + 1, "{", "}")
        else:
            parts.append(text[pos])
            return pos + 1
        end = min(end, limit)
        parts.append(text[pos:end])
        return end

    def _lex_squote(self, pos: int, parts: list[str]) -> int:
        text, limit = self.text, self.limit
        while pos < limit:
            q = text.find("'", pos, limit)
            if q < 0:
                break
            parts.append(text[pos:q])
            if text.startswith("''", q):
                parts.append("'")
                pos = q + 2
                continue
            return q + 1
        parts.append(text[pos:limit])
        return limit

    def _lex_dquote(self, pos: int, parts: list[str]) -> int:
        text, limit = self.text, self.limit
        while pos < limit:
            c = text[pos]
            if c == '"':
                if text.startswith('""', pos):
                    parts.append('"')
                    pos += 2
                    continue
                return pos + 1
            m = _DQ_PLAIN.match(text, pos, limit)
            if m is not None:
                parts.append(m.group())
                pos = m.end()
            elif c == "`":
                nxt = text[pos + 1] if pos + 1 < limit else ""
                parts.append(_ESC.get(nxt, nxt))
                pos += 2
            else:  # $
                pos = self._lex_sigil(pos, parts)
        return limit

    def _scan_balanced(self, pos: int, open_: str, close: str) -> int:
        """Offset just past the ``close`` matching the ``open_`` at ``pos``."""
        text, limit = self.text, self.limit
        depth = 0
        while pos < limit:
            c = text[pos]
            if c == "`":
                pos += 2
                continue
            if c in "'\"":
                q = pos + 1
                while q < limit and text[q] != c:
                    q += 2 if text[q] == "`" and c == '"' else 1
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
