"""Data types shared by the bash and PowerShell command extractors."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    """One shell word.

    ``value`` is the shell-unquoted text (quotes removed, escapes resolved, line
    continuations removed); substitutions such as ``$VAR``, ``${VAR}``, ``$(...)``
    (including Azure macros like ``$(Build.BuildId)``), backticks and template
    expressions ``${{ ... }}`` are kept verbatim. ``start``/``end`` delimit the raw
    text of the word in the script.
    """

    value: str
    start: int
    end: int
    quoted: bool = False


@dataclass(frozen=True)
class Command:
    """One simple command found in a script."""

    words: tuple[Word, ...]
    assignments: tuple[Word, ...]
    start: int
    end: int
    before: str | None
    after: str | None
    context: tuple[str, ...]

    @property
    def name(self) -> str | None:
        """The command name (value of the first word), or None if there is none."""
        return self.words[0].value if self.words else None


@dataclass
class _Builder:
    """Mutable form of a Command while it is being parsed."""

    context: tuple[str, ...]
    start: int = -1
    end: int = -1
    words: list[Word] = field(default_factory=list)
    assignments: list[Word] = field(default_factory=list)
    before: str | None = None
    after: str | None = None

    def span(self, start: int, end: int) -> None:
        if self.start < 0 or start < self.start:
            self.start = start
        self.end = max(self.end, end)

    def freeze(self) -> Command:
        return Command(
            words=tuple(self.words),
            assignments=tuple(self.assignments),
            start=max(self.start, 0),
            end=max(self.end, self.start, 0),
            before=self.before,
            after=self.after,
            context=self.context,
        )


WORD = 0
OP = 1
EOF = 2


@dataclass
class _Tok:
    kind: int
    text: str
    start: int
    end: int
    word: Word | None = None


class _TokenStream:
    """What the bash and PowerShell parsers share: one token of lookahead over the lexer's
    ``_lex``, and command lists that end at any of the ``stops`` words open around them."""

    peeked: _Tok | None = None
    active: dict[str, int]
    depth: int

    def _lex(self) -> _Tok:
        raise NotImplementedError

    def _parse_list(self, ctx: tuple[str, ...]) -> None:
        raise NotImplementedError

    def parse_list(self, ctx: tuple[str, ...], stops: frozenset[str]) -> None:
        for s in stops:
            self.active[s] = self.active.get(s, 0) + 1
        self.depth += 1
        try:
            self._parse_list(ctx)
        finally:
            self.depth -= 1
            for s in stops:
                self.active[s] -= 1

    def peek(self) -> _Tok:
        if self.peeked is None:
            self.peeked = self._lex()
        return self.peeked

    def take(self) -> _Tok:
        tok = self.peek()
        self.peeked = None
        return tok


def finish(builders: list[_Builder]) -> list[Command]:
    """Freeze builders into Commands sorted in source order."""
    cmds = [b.freeze() for b in builders if b.start >= 0]
    cmds.sort(key=lambda c: c.start)
    return cmds
