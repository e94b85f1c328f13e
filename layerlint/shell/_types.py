"""Data types shared by the bash and PowerShell command extractors."""

from __future__ import annotations

from layerlint._record import MutableRecord, Record


class Word(Record):
    """One shell word.

    ``value`` is the shell-unquoted text (quotes removed, escapes resolved, line
    continuations removed); substitutions such as ``$VAR``, ``${VAR}``, ``$(...)``
    (including Azure macros like ``$(Build.BuildId)``), backticks and template
    expressions ``${{ ... }}`` are kept verbatim. ``start``/``end`` delimit the raw
    text of the word in the script.
    """

    __slots__ = ("end", "quoted", "start", "value")
    value: str
    start: int
    end: int
    quoted: bool

    def __init__(self, value: str, start: int, end: int, quoted: bool = False) -> None:
        self.value = value
        self.start = start
        self.end = end
        self.quoted = quoted


class Command(Record):
    """One simple command found in a script."""

    __slots__ = ("after", "assignments", "before", "context", "end", "start", "words")
    words: tuple[Word, ...]
    assignments: tuple[Word, ...]
    start: int
    end: int
    before: str | None
    after: str | None
    context: tuple[str, ...]

    def __init__(self, words: tuple[Word, ...], assignments: tuple[Word, ...], start: int,
                 end: int, before: str | None, after: str | None,
                 context: tuple[str, ...]) -> None:
        self.words = words
        self.assignments = assignments
        self.start = start
        self.end = end
        self.before = before
        self.after = after
        self.context = context

    @property
    def name(self) -> str | None:
        """The command name (value of the first word), or None if there is none."""
        return self.words[0].value if self.words else None


class _Builder(MutableRecord):
    """Mutable form of a Command while it is being parsed."""

    __slots__ = ("after", "assignments", "before", "context", "end", "start", "words")
    context: tuple[str, ...]
    start: int
    end: int
    words: list[Word]
    assignments: list[Word]
    before: str | None
    after: str | None

    def __init__(self, context: tuple[str, ...], start: int = -1, end: int = -1,
                 words: list[Word] | None = None, assignments: list[Word] | None = None,
                 before: str | None = None, after: str | None = None) -> None:
        self.context = context
        self.start = start
        self.end = end
        self.words = [] if words is None else words
        self.assignments = [] if assignments is None else assignments
        self.before = before
        self.after = after

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


class _Tok(MutableRecord):
    __slots__ = ("end", "kind", "start", "text", "word")
    kind: int
    text: str
    start: int
    end: int
    word: Word | None

    def __init__(self, kind: int, text: str, start: int, end: int,
                 word: Word | None = None) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.word = word


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
