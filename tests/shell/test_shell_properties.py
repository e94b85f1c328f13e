from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerlint.shell import Command, parse_bash, parse_docker, parse_powershell
from layerlint.shell.lexer import _BashParser
from layerlint.shell.powershell import _PsParser

# Text built from shell-significant fragments finds far more edge cases than random text.
FRAGMENTS = [
    "docker", " build", " buildx", " -t", " --cache-from", "=", "type=local,src=", ".", " ",
    "\n", "\t", "\r\n", ";", ";;", "&", "&&", "|", "||", "(", ")", "((", "))", "{", "}", "[[",
    "]]", "$(", "${", "${{", "}}", "`", "'", '"', "\\", "\\\n", "\\  \n", "#", "<#", "#>",
    "<<", "<<-", "EOF", "'EOF'", "<<<", ">", "2>&1", "<(", "@\"\n", "\n\"@", "@'", "if",
    "then", "elif", "else", "fi", "while", "until", "do", "done", "for", "in", "case",
    "esac", "function", "!", "time", "sudo", "X=1", "$(Build.BuildId)", "foreach", "try",
    "catch", "$x", "`\n", "\x00", "é",
]  # fmt: skip
shellish = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=300), shellish)


def check(text: str, cmds: list[Command]) -> None:
    prev = -1
    for c in cmds:
        assert 0 <= c.start <= c.end <= len(text)
        assert c.start >= prev
        prev = c.start
        for w in (*c.words, *c.assignments):
            assert 0 <= w.start <= w.end <= len(text)
            assert c.start <= w.start and w.end <= c.end
        parse_docker(c)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_bash_never_raises(text: str) -> None:
    # the internal parser is called directly so that no error is hidden by the safety net
    _BashParser(text).parse_list((), frozenset())
    check(text, parse_bash(text))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_powershell_never_raises(text: str) -> None:
    _PsParser(text).parse_list((), frozenset())
    check(text, parse_powershell(text))


@settings(max_examples=200)
@given(
    st.lists(
        st.sampled_from(["a", "b\\ c", "x=1", "'q q'", '"d $(e f) g"', "${{ p.x }}"]),
        min_size=1,
        max_size=6,
    )
)
def test_bash_simple_words_roundtrip(parts: list[str]) -> None:
    text = "cmd " + " ".join(parts)
    cmds = [c for c in parse_bash(text) if c.context == ()]
    assert len(cmds) == 1
    raw = [text[w.start : w.end] for w in cmds[0].words]
    assert raw == ["cmd", *parts]
