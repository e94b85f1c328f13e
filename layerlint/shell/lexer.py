"""Extract simple commands from bash/sh script text.

:func:`parse_bash` never raises: unterminated quotes, substitutions and compound
commands extend to the end of the text.  A line holding only assignments
(``X=1``) yields a :class:`Command` with empty ``words``.
"""

from __future__ import annotations

import contextlib

from layerlint._lazyre import lazy_re

from ._bashlex import MAX_DEPTH, REDIRECTS, _BashLexer
from ._types import EOF, OP, Command, Word, _Builder, _Tok, finish

__all__ = ["Command", "Word", "parse_bash"]

_ASSIGN = lazy_re(__name__, "_ASSIGN", r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_SEPARATORS = frozenset({"\n", ";", "&", "&&", "||", "|", "|&", ";;", ";&", ";;&"})
_CONNECTORS = frozenset({"&&", "||", "|", "|&"})
_STRAY = frozenset({"then", "elif", "else", "fi", "do", "done", "esac", "}", "in", "]]"})
_CASE_END = frozenset({";;", ";&", ";;&"})
_FD_PREFIX = lazy_re(__name__, "_FD_PREFIX", r"\d+|\{[A-Za-z_][A-Za-z0-9_]*\}")
_COMPOUND = frozenset({"if", "while", "until", "for", "select", "case", "{", "function"})


def _redir_op(tok: _Tok) -> str | None:
    """The bare redirection operator of ``tok`` (fd prefix removed), or None."""
    if tok.kind != OP:
        return None
    first = tok.text[:1]
    m = _FD_PREFIX.match(tok.text) if first == "{" or first.isdecimal() else None
    op = tok.text[m.end() :] if m else tok.text
    return op if op in REDIRECTS else None


def parse_bash(text: str) -> list[Command]:
    """Return every simple command of a bash/sh script, in source order."""
    parser = _BashParser(text)
    with contextlib.suppress(RecursionError, IndexError, ValueError):  # defensive only
        parser.parse_list((), frozenset())
    return finish(parser.out)


class _BashParser(_BashLexer):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.out: list[_Builder] = []
        self.active: dict[str, int] = {}

    # -- helpers -----------------------------------------------------------
    def _is_word(self, tok: _Tok, *values: str) -> bool:
        w = tok.word
        return w is not None and not w.quoted and w.value in values

    def _is_stop(self, tok: _Tok) -> bool:
        if tok.kind == OP:
            return self.active.get(tok.text, 0) > 0
        w = tok.word
        return w is not None and not w.quoted and self.active.get(w.value, 0) > 0

    def _skip_newlines(self) -> None:
        while True:
            tok = self.peek()
            if tok.kind == OP and tok.text in ("\n", ";"):
                self.take()
            else:
                return

    def _expect_word(self, *values: str) -> bool:
        self._skip_newlines()
        if self._is_word(self.peek(), *values):
            self.take()
            return True
        return False

    def _parse_nested(self, start: int, closer: str | None) -> int:
        """Parse a command substitution whose contents begin at ``start``."""
        if self.depth >= MAX_DEPTH:
            return self._scan_balanced(start - 1, "(", ")")
        saved_active, saved_ctx = self.active, self.ctx
        self.active = {}
        self.pos, self.peeked = start, None
        try:
            self.parse_list((*saved_ctx, "subst"), frozenset({closer} if closer else ()))
            tok = self.take()
            return tok.end if tok.kind == OP and tok.text == closer else self.limit
        finally:
            self.active, self.ctx, self.peeked = saved_active, saved_ctx, None

    # -- lists -------------------------------------------------------------
    def _parse_list(self, ctx: tuple[str, ...]) -> None:
        pending: str | None = None
        last: _Builder | None = None
        have_prev = False
        while True:
            self.ctx = ctx
            tok = self.peek()
            if tok.kind == EOF or self._is_stop(tok):
                break
            if tok.kind == OP and tok.text in _SEPARATORS:
                self.take()
                op = ";" if tok.text in _CASE_END else tok.text
                if have_prev and (pending is None or (pending == "\n" and op in _CONNECTORS)):
                    pending = op
                    if last is not None:
                        last.after = op
                continue
            if tok.kind == OP and tok.text == ")":
                self.take()  # stray closer
                continue
            if self._is_word(tok, *_STRAY):
                self.take()
                continue
            el = self.parse_command(ctx)
            if self.peek() is tok:  # nothing consumed: force progress
                self.take()
            if el is not None:
                el.before = pending if have_prev else None
            have_prev, pending, last = True, None, el
        if last is not None and last.after in (";", "\n"):
            last.after = None

    # -- commands ----------------------------------------------------------
    def parse_command(self, ctx: tuple[str, ...]) -> _Builder | None:
        self.ctx = ctx
        tok = self.peek()
        if tok.kind == OP and tok.text in ("(", "(("):
            self.take()
            if tok.text == "((":
                self.pos = self._scan_balanced(tok.start, "(", ")")
            elif self.depth < MAX_DEPTH:
                self.parse_list((*ctx, "subshell"), frozenset({")"}))
                self._take_op(")")
            self._redirects()
            return None
        w = tok.word
        if w is None or w.quoted:
            return self._parse_simple(ctx)
        v = w.value
        if v in _COMPOUND:
            self.take()
            if self.depth >= MAX_DEPTH:
                return None
            if v in ("if", "case", "{"):
                {"if": self._parse_if, "case": self._parse_case, "{": self._parse_group}[v](ctx)
            elif v in ("while", "until"):
                self._parse_while(ctx)
            elif v == "function":
                self._parse_function(ctx)
            else:
                self._parse_for(ctx)
            self._redirects()
            return None
        if v == "[[":
            self.take()
            while True:
                t = self.take()
                if t.kind == EOF or self._is_word(t, "]]") or (t.kind == OP and t.text == "\n"):
                    break
            return None
        if v in ("!", "time", "coproc"):
            self.take()
            if v == "time":
                while self.peek().word is not None and self.peek().text.startswith("-"):
                    self.take()
            inner = (*ctx, "negated") if v == "!" else ctx
            if self.depth >= MAX_DEPTH:
                return None
            self.depth += 1
            try:
                return self.parse_command(inner)
            finally:
                self.depth -= 1
        return self._parse_simple(ctx)

    def _take_op(self, op: str) -> bool:
        tok = self.peek()
        if tok.kind == OP and tok.text == op:
            self.take()
            return True
        return False

    def _redirects(self, b: _Builder | None = None) -> None:
        while True:
            tok = self.peek()
            op = _redir_op(tok)
            if op is None:
                return
            self.take()
            if b is not None:
                b.span(tok.start, tok.end)
            target = self.peek()
            if target.word is None:
                continue
            self.take()
            if b is not None:
                b.span(target.start, target.end)
            if op in ("<<", "<<-") and target.word.value:
                self.heredocs.append((target.word.value, op == "<<-"))

    def _parse_simple(self, ctx: tuple[str, ...]) -> _Builder | None:
        b = _Builder(ctx)
        while True:
            self._redirects(b)
            tok = self.peek()
            w = tok.word
            if w is None:
                break
            self.take()
            b.span(tok.start, tok.end)
            if not b.words and self.text.find("=", w.start, w.end) >= 0 and _ASSIGN.match(
                    self.text, w.start, w.end):
                b.assignments.append(w)  # NAME=value, NAME="a b", NAME+=x, A[i]=x
                continue
            b.words.append(w)
            if len(b.words) == 1 and not b.assignments and self._take_op("("):
                self._take_op(")")  # NAME () compound: a function definition
                self._function_body(ctx)
                return None
        if b.start < 0:
            return None
        self.out.append(b)
        return b

    # -- compound commands ---------------------------------------------------
    def _function_body(self, ctx: tuple[str, ...]) -> None:
        self._skip_newlines()
        self.depth += 1
        try:
            self.parse_command((*ctx, "function"))
        finally:
            self.depth -= 1

    def _parse_function(self, ctx: tuple[str, ...]) -> None:
        if self.peek().word is not None:
            self.take()
        if self._take_op("("):
            self._take_op(")")
        elif self._take_op("(("):
            pass
        self._function_body(ctx)

    def _parse_group(self, ctx: tuple[str, ...]) -> None:
        self.parse_list((*ctx, "group"), frozenset({"}"}))
        self._expect_word("}")

    def _parse_if(self, ctx: tuple[str, ...]) -> None:
        while True:
            self.parse_list((*ctx, "if-cond"), frozenset({"then"}))
            if not self._expect_word("then"):
                return
            self.parse_list((*ctx, "if-body"), frozenset({"elif", "else", "fi"}))
            tok = self.peek()
            if self._is_word(tok, "elif"):
                self.take()
                continue
            if self._is_word(tok, "else"):
                self.take()
                self.parse_list((*ctx, "if-body"), frozenset({"fi"}))
            self._expect_word("fi")
            return

    def _parse_while(self, ctx: tuple[str, ...]) -> None:
        self.parse_list((*ctx, "while-cond"), frozenset({"do"}))
        if self._expect_word("do"):
            self._loop_body(ctx)

    def _loop_body(self, ctx: tuple[str, ...]) -> None:
        self.parse_list((*ctx, "loop-body"), frozenset({"done"}))
        self._expect_word("done")

    def _parse_for(self, ctx: tuple[str, ...]) -> None:
        tok = self.peek()
        if tok.kind == OP and tok.text == "((":
            self.take()
            self.pos = self._scan_balanced(tok.start, "(", ")")
        elif tok.word is not None:
            self.take()
            self._skip_newlines()
            if self._is_word(self.peek(), "in"):
                self.take()
                while self.peek().word is not None:
                    self.take()
        self._skip_newlines()
        if self._is_word(self.peek(), "{"):
            self.take()
            self.parse_list((*ctx, "loop-body"), frozenset({"}"}))
            self._expect_word("}")
        elif self._expect_word("do"):
            self._loop_body(ctx)

    def _parse_case(self, ctx: tuple[str, ...]) -> None:
        if self.peek().word is not None:
            self.take()
        if not self._expect_word("in"):
            return
        while True:
            self._skip_newlines()
            tok = self.peek()
            if tok.kind == EOF:
                return
            if self._is_word(tok, "esac"):
                self.take()
                return
            if self._is_stop(tok):
                return
            self._take_op("(")
            while True:  # pattern list: word | word ... )
                t = self.peek()
                if t.word is not None or (t.kind == OP and t.text == "|"):
                    self.take()
                    continue
                if t.kind == OP and t.text == ")":
                    self.take()
                break
            self.parse_list((*ctx, "case"), frozenset({";;", ";&", ";;&", "esac"}))
            t = self.peek()
            if t.kind == OP and t.text in _CASE_END:
                self.take()
                continue
            if self._is_word(t, "esac"):
                self.take()
            return
