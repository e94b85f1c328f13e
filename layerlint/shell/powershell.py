"""Extract simple commands from PowerShell script text.

:func:`parse_powershell` never raises.  ``$x = cmd args`` yields a command whose
``assignments`` hold the ``$x`` and ``=`` words and whose ``words`` hold the right
hand side; the call operator ``&`` and dot-sourcing ``.`` are stripped from ``words``
(but included in the command's span).
"""

from __future__ import annotations

import contextlib

from ._pslex import MAX_DEPTH, _PsLexer
from ._types import EOF, OP, Command, Word, _Builder, _Tok, finish

__all__ = ["parse_powershell"]

_SEPARATORS = frozenset({"\n", ";", "&&", "||", "|"})
_CONNECTORS = frozenset({"&&", "||", "|"})
_ASSIGN_OPS = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "??="})
_LOOP_CMDS = frozenset({"foreach-object", "%", "foreach"})
_STRAY = frozenset({"else", "elseif", "catch", "finally", "until"})
_HEADER_KW = frozenset({"for", "foreach", "switch"})
_BLOCK_KW = frozenset({"begin", "process", "end", "clean", "dynamicparam"})
_FUNC_KW = frozenset({"function", "filter", "workflow", "configuration", "class", "enum"})


def parse_powershell(text: str) -> list[Command]:
    """Return every simple command of a PowerShell script, in source order."""
    parser = _PsParser(text)
    with contextlib.suppress(RecursionError, IndexError, ValueError):  # defensive only
        parser.parse_list((), frozenset())
    return finish(parser.out)


class _PsParser(_PsLexer):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.out: list[_Builder] = []
        self.active: dict[str, int] = {}

    def _kw(self, tok: _Tok) -> str | None:
        w = tok.word
        return w.value.lower() if w is not None and not w.quoted else None

    def _is_op(self, tok: _Tok, op: str) -> bool:
        return tok.kind == OP and tok.text == op

    def _skip_nl(self) -> None:
        while self._is_op(self.peek(), "\n"):
            self.take()

    def _parse_nested(self, start: int, subst: bool) -> int:
        if self.depth >= MAX_DEPTH:
            return self._scan_balanced(start - 1, "(", ")")
        saved_active, saved_ctx, saved_pos = self.active, self.ctx, self.pos
        self.active, self.pos, self.peeked = {}, start, None
        try:
            ctx = (*saved_ctx, "subst") if subst else saved_ctx
            self.parse_list(ctx, frozenset({")"}))
            tok = self.take()
            return tok.end if self._is_op(tok, ")") else self.limit
        finally:
            self.active, self.ctx, self.peeked = saved_active, saved_ctx, None
            self.pos = max(self.pos, saved_pos)

    # -- lists -------------------------------------------------------------
    def _parse_list(self, ctx: tuple[str, ...]) -> None:
        pending: str | None = None
        last: _Builder | None = None
        have_prev = just_ended = False
        while True:
            self.ctx = ctx
            tok = self.peek()
            if tok.kind == EOF or (tok.kind == OP and self.active.get(tok.text, 0) > 0):
                break
            op = tok.text if tok.kind == OP else None
            if op in _SEPARATORS or (op == "&" and just_ended):
                self.take()
                assert op is not None
                if have_prev and (pending is None or (pending == "\n" and op in _CONNECTORS)):
                    pending = op
                    if last is not None:
                        last.after = op
                just_ended = False
                continue
            if op in (")", "}"):
                self.take()  # stray closer
                continue
            if self._kw(tok) in _STRAY:
                self.take()
                continue
            el = self.parse_statement(ctx, pending == "|")
            if self.peek() is tok:  # nothing consumed: force progress
                self.take()
            if el is not None:
                el.before = (pending or "\n") if have_prev else None
            have_prev, pending, last, just_ended = True, None, el, True
        if last is not None and last.after in (";", "\n"):
            last.after = None

    # -- statements ----------------------------------------------------------
    def parse_statement(self, ctx: tuple[str, ...], piped: bool) -> _Builder | None:
        tok = self.peek()
        if self._is_op(tok, "{"):
            self._block((*ctx, "group"))
            return None
        kw = self._kw(tok)
        if kw is None or (piped and kw == "foreach"):
            return self._parse_simple(ctx)
        if self.depth >= MAX_DEPTH and kw in {"if", "while", "do", "try", *_HEADER_KW}:
            self.take()
            return None
        if kw == "if":
            self.take()
            self._parse_if(ctx)
        elif kw == "while":
            self.take()
            self._cond((*ctx, "while-cond"))
            self._block((*ctx, "loop-body"))
        elif kw in _HEADER_KW:
            self.take()
            self.paren_mode = "opaque"
            while self.peek().word is not None:
                self.take()
            self.paren_mode = ""
            self._block((*ctx, "case" if kw == "switch" else "loop-body"))
        elif kw == "do":
            self.take()
            self._block((*ctx, "loop-body"))
            self._skip_nl()
            if self._kw(self.peek()) in ("while", "until"):
                self.take()
                self._cond((*ctx, "while-cond"))
        elif kw == "try":
            self.take()
            self._parse_try(ctx)
        elif kw in _FUNC_KW:
            self.take()
            while self.peek().word is not None:
                self.take()
            self._block((*ctx, "function"))
        elif kw in _BLOCK_KW:
            self.take()
            self._block((*ctx, "group"))
        elif kw == "param":
            self.take()
            self.paren_mode = "opaque"
            tok = self.peek()
            self.paren_mode = ""
            if tok.word is not None:
                self.take()
        else:
            return self._parse_simple(ctx)
        return None

    def _cond(self, ctx: tuple[str, ...]) -> None:
        self.ctx, self.paren_mode = ctx, "cond"
        self._skip_nl()
        tok = self.peek()
        self.paren_mode = ""
        if tok.word is not None and tok.word.value.startswith("("):
            self.take()

    def _block(self, ctx: tuple[str, ...]) -> bool:
        self._skip_nl()
        if not self._is_op(self.peek(), "{"):
            return False
        self.take()
        self.parse_list(ctx, frozenset({"}"}))
        if self._is_op(self.peek(), "}"):
            self.take()
        return True

    def _parse_if(self, ctx: tuple[str, ...]) -> None:
        while True:
            self._cond((*ctx, "if-cond"))
            self._block((*ctx, "if-body"))
            self._skip_nl()
            kw = self._kw(self.peek())
            if kw == "elseif":
                self.take()
                continue
            if kw == "else":
                self.take()
                self._block((*ctx, "if-body"))
            return

    def _parse_try(self, ctx: tuple[str, ...]) -> None:
        self._block((*ctx, "group"))
        while True:
            self._skip_nl()
            kw = self._kw(self.peek())
            if kw not in ("catch", "finally"):
                return
            self.take()
            while self.peek().word is not None:
                self.take()  # exception types
            self._block((*ctx, "group"))

    def _parse_simple(self, ctx: tuple[str, ...]) -> _Builder | None:
        b = _Builder(ctx)
        tok = self.peek()
        if self._is_op(tok, "&") or self._kw(tok) == ".":
            self.take()
            b.span(tok.start, tok.end)
        while True:
            tok = self.peek()
            if tok.kind == OP and tok.text[:1] in "123456*<>":
                self.take()
                b.span(tok.start, tok.end)
                if "&" not in tok.text and self.peek().word is not None:
                    target = self.take()
                    b.span(target.start, target.end)
                continue
            if self._is_op(tok, "{") and self.depth < MAX_DEPTH:
                self.take()
                name = b.words[0].value.lower() if b.words else ""
                kind = "loop-body" if name in _LOOP_CMDS else "group"
                self.parse_list((*ctx, kind), frozenset({"}"}))
                end = self.take().end if self._is_op(self.peek(), "}") else self.pos
                b.words.append(Word(self.text[tok.start : end], tok.start, end, False))
                b.span(tok.start, end)
                continue
            w = tok.word
            if w is None:
                break
            self.take()
            b.span(tok.start, tok.end)
            b.words.append(w)
            if (
                len(b.words) == 2
                and not b.assignments
                and b.words[0].value.startswith("$")
                and w.value in _ASSIGN_OPS
                and not w.quoted
            ):
                b.assignments, b.words = b.words, []
                nxt = self.peek()
                if self._is_op(nxt, "&") or self._kw(nxt) == ".":
                    self.take()
        if b.start < 0:
            return None
        self.out.append(b)
        return b
