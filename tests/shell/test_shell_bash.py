from __future__ import annotations

import pytest

from layerlint.shell import Command, parse_bash


def names(text: str) -> list[str | None]:
    return [c.name for c in parse_bash(text)]


def argv(c: Command) -> list[str]:
    return [w.value for w in c.words]


def find(text: str, name: str) -> list[Command]:
    return [c for c in parse_bash(text) if c.name == name]


def assert_raw(text: str, c: Command) -> None:
    for w in (*c.words, *c.assignments):
        assert 0 <= w.start <= w.end <= len(text)
    assert c.start <= c.end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("docker build .", [["docker", "build", "."]]),
        ("a; b", [["a"], ["b"]]),
        ("a && b || c", [["a"], ["b"], ["c"]]),
        ("a | b |& c", [["a"], ["b"], ["c"]]),
        ("a & b", [["a"], ["b"]]),
        ("a\nb\n\nc", [["a"], ["b"], ["c"]]),
        ("echo 'a b' \"c d\" e\\ f", [["echo", "a b", "c d", "e f"]]),
        ('echo "a\\"b" \'x\\y\'', [["echo", 'a"b', "x\\y"]]),
        ('echo "\\$x \\q"', [["echo", "$x \\q"]]),
        ("echo $'a\\tb'", [["echo", "a\tb"]]),
        ("echo $HOME ${X:-a b} $((1 + 2))", [["echo", "$HOME", "${X:-a b}", "$((1 + 2))"]]),
        ("echo ${{ parameters.x }} y", [["echo", "${{ parameters.x }}", "y"]]),
        ('echo "${{ parameters.x }}"', [["echo", "${{ parameters.x }}"]]),
        ("echo a${{ parameters.x }}b", [["echo", "a${{ parameters.x }}b"]]),
        ('echo "multi\nline" x', [["echo", "multi\nline", "x"]]),
        ("echo ab\\\ncd", [["echo", "abcd"]]),
        ("echo a \\\n  b", [["echo", "a", "b"]]),
        ("echo a \\   \n  b", [["echo", "a", "b"]]),
        ("echo a \\\t\r\n  b", [["echo", "a", "b"]]),
        ("echo a # comment\nb", [["echo", "a"], ["b"]]),
        ("echo a#b", [["echo", "a#b"]]),
        ("# only a comment", []),
        ("echo {a,b} }", [["echo", "{a,b}", "}"]]),
        ("", []),
        ("\n\n;;\n", []),
    ],
)
def test_words(text: str, expected: list[list[str]]) -> None:
    cmds = parse_bash(text)
    assert [argv(c) for c in cmds] == expected
    for c in cmds:
        assert_raw(text, c)


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        (
            "docker build -t x:$(Build.BuildId) .",
            ["docker", "build", "-t", "x:$(Build.BuildId)", "."],
        ),
        ("echo 'a b'  \"c\"d", ["echo", "'a b'", '"c"d']),
        ("echo ${{ parameters.x }}", ["echo", "${{ parameters.x }}"]),
        ("a \\\n   --cache-from x", ["a", "--cache-from", "x"]),
        ("echo `date` $( (b); c)", ["echo", "`date`", "$( (b); c)"]),
    ],
)
def test_word_offsets(text: str, raw: list[str]) -> None:
    c = parse_bash(text)[0]
    assert [text[w.start : w.end] for w in c.words] == raw


def test_command_span_and_assignments() -> None:
    text = "  DOCKER_BUILDKIT=1 X='a b' docker build . >log 2>&1 && echo ok"
    c = parse_bash(text)[0]
    assert [w.value for w in c.assignments] == ["DOCKER_BUILDKIT=1", "X=a b"]
    assert argv(c) == ["docker", "build", "."]
    assert text[c.start : c.end] == "DOCKER_BUILDKIT=1 X='a b' docker build . >log 2>&1"
    assert c.after == "&&"


def test_assignment_only_line() -> None:
    cmds = parse_bash("X=1\nY=$(docker build -q .)\n")
    assert [c.words for c in cmds[:2]] == [(), ()]
    assert [w.value for w in cmds[0].assignments] == ["X=1"]
    assert cmds[2].name == "docker" and cmds[2].context == ("subst",)


def test_assignment_after_name_is_argument() -> None:
    c = parse_bash("docker build --build-arg A=1 X=2 .")[0]
    assert argv(c)[-2:] == ["X=2", "."]
    assert c.assignments == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a && b", [(None, "&&"), ("&&", None)]),
        ("a || b; c", [(None, "||"), ("||", ";"), (";", None)]),
        ("a | b", [(None, "|"), ("|", None)]),
        ("a |& b", [(None, "|&"), ("|&", None)]),
        ("a &", [(None, "&")]),
        ("a\nb\n", [(None, "\n"), ("\n", None)]),
        ("a &&\n  b", [(None, "&&"), ("&&", None)]),
        ("a ;\n b", [(None, ";"), (";", None)]),
        ("a # x && y\nb", [(None, "\n"), ("\n", None)]),
        ("a\n| b", [(None, "|"), ("|", None)]),
    ],
)
def test_operators(text: str, expected: list[tuple[str | None, str | None]]) -> None:
    assert [(c.before, c.after) for c in parse_bash(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("if a; then b; elif c; then d; else e; fi",
         {"a": ("if-cond",), "b": ("if-body",), "c": ("if-cond",), "d": ("if-body",),
          "e": ("if-body",)}),
        ("if a\nthen\n  b\nfi", {"a": ("if-cond",), "b": ("if-body",)}),
        ("while a; do b; done", {"a": ("while-cond",), "b": ("loop-body",)}),
        ("until a; do b; done", {"a": ("while-cond",), "b": ("loop-body",)}),
        ("for x in a b c; do b; done", {"b": ("loop-body",)}),
        ("for x in a b\ndo\n b\ndone", {"b": ("loop-body",)}),
        ("for x; do b; done", {"b": ("loop-body",)}),
        ("for ((i=0; i<3; i++)); do b; done", {"b": ("loop-body",)}),
        ("select x in a b; do b; done", {"b": ("loop-body",)}),
        ("case $x in\n a|b) c;;\n (d) e ;;\n *) f\nesac; g",
         {"c": ("case",), "e": ("case",), "f": ("case",), "g": ()}),
        ("case x in a) b;& c) d;;& esac", {"b": ("case",), "d": ("case",)}),
        ("{ a; b; }", {"a": ("group",), "b": ("group",)}),
        ("( a; b )", {"a": ("subshell",), "b": ("subshell",)}),
        ("x=$(a)", {None: (), "a": ("subst",)}),
        ("echo `a`", {"echo": (), "a": ("subst",)}),
        ("diff <(a) >(b)", {"diff": (), "a": ("subst",), "b": ("subst",)}),
        ("f() { a; }", {"a": ("function", "group")}),
        ("function f { a; }", {"a": ("function", "group")}),
        ("function f() {\n a\n}", {"a": ("function", "group")}),
        ("f() ( a )", {"a": ("function", "subshell")}),
        ("! a", {"a": ("negated",)}),
        ("time a", {"a": ()}),
        ("time -p a", {"a": ()}),
        ("if ! a; then b; fi", {"a": ("if-cond", "negated"), "b": ("if-body",)}),
        ("if [ \"$(a)\" = x ]; then b; fi", {"[": ("if-cond",), "a": ("if-cond", "subst"),
                                          "b": ("if-body",)}),
        ("while read l; do echo $(a); done < f", {"read": ("while-cond",),
         "echo": ("loop-body",), "a": ("loop-body", "subst")}),
    ],
)  # fmt: skip
def test_contexts(text: str, expected: dict[str | None, tuple[str, ...]]) -> None:
    cmds = parse_bash(text)
    got = {c.name: c.context for c in cmds}
    assert got == expected
    for c in cmds:
        assert_raw(text, c)


@pytest.mark.parametrize(
    "text",
    [
        "if true; then :; fi",
        "while false; do :; done",
        "for i in 1 2; do :; done",
        "case a in a) :;; esac",
        "{ :; }",
        "f() { :; }",
    ],
)
def test_reserved_words_not_commands(text: str) -> None:
    assert set(names(text)) <= {"true", "false", ":"}


@pytest.mark.parametrize(
    "text",
    [
        "[[ -n $x && $y == a ]] && b",
        "(( i++ )) && b",
        "[[ $(docker build .) ]] ; b",
    ],
)
def test_opaque_tests(text: str) -> None:
    assert "b" in names(text)
    assert "[[" not in names(text) and "((" not in names(text)


@pytest.mark.parametrize(
    "text",
    [
        'echo "docker build ."',
        "echo 'docker build .'",
        "# docker build .",
        "  # docker build . \\\n",
        "cat <<EOF\ndocker build .\nEOF\n",
        "cat <<-EOF\n\tdocker build .\n\tEOF\n",
        "cat <<'EOF'\ndocker build $(x) .\nEOF\n",
        'cat <<"EOF" >out\ndocker build .\nEOF\n',
        "cat << EOF; cat <<X\ndocker build .\nEOF\ndocker build .\nX\n",
        "cat <<<'docker build .'",
        "x='multi\ndocker build .\n'",
        "echo docker build .",
        "printf '%s\\n' \"docker build .\"",
    ],
)
def test_traps_not_docker(text: str) -> None:
    assert "docker" not in names(text)


def test_heredoc_then_commands_continue() -> None:
    text = "cat <<EOF > f\ndocker build .\nEOF\ndocker build -t x .\necho done\n"
    cmds = parse_bash(text)
    assert [c.name for c in cmds] == ["cat", "docker", "echo"]
    assert text[cmds[1].start : cmds[1].end] == "docker build -t x ."


def test_heredoc_in_substitution() -> None:
    text = 'x="$(cat <<EOF\ndocker build .\nEOF\n)"\ndocker build .'
    cmds = parse_bash(text)
    assert [c.name for c in cmds] == [None, "cat", "docker"]


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        ("id=$(docker build -q .)", ("subst",)),
        ('echo "$(docker build -q .)"', ("subst",)),
        ("echo `docker build -q .`", ("subst",)),
        ("if docker build .; then echo ok; fi", ("if-cond",)),
        ("sudo docker build .", ()),
        ("DOCKER_BUILDKIT=1 docker build .", ()),
        ("set -e\n  docker -H tcp://x --log-level debug build .", ()),
        ("docker build . || exit 1", ()),
    ],
)
def test_docker_found(text: str, ctx: tuple[str, ...]) -> None:
    cmds = [c for c in parse_bash(text) if any(w.value == "docker" for w in c.words)]
    assert len(cmds) == 1
    assert cmds[0].context == ctx


def test_continuation_over_lines() -> None:
    text = (
        "docker build \\\n"
        "  -t $(Build.Repository.Name):$(Build.BuildId) \\  \n"
        "  -f $(Pipeline.Workspace)/src/Dockerfile \\\n"
        "  --cache-from type=local,src=$(Pipeline.Workspace)/cache \\\n"
        "  .\n"
        "echo next\n"
    )
    cmds = parse_bash(text)
    assert [c.name for c in cmds if c.context == ()] == ["docker", "echo"]
    d = cmds[0]
    assert argv(d) == [
        "docker", "build", "-t", "$(Build.Repository.Name):$(Build.BuildId)",
        "-f", "$(Pipeline.Workspace)/src/Dockerfile",
        "--cache-from", "type=local,src=$(Pipeline.Workspace)/cache", ".",
    ]  # fmt: skip
    assert text[d.start : d.end].endswith("\\\n  .")
    macros = [c.name for c in cmds if c.context == ("subst",)]
    assert "Build.BuildId" in macros and "Pipeline.Workspace" in macros


def test_nested_substitution_offsets() -> None:
    text = 'echo "$(a "$(b c)")"'
    cmds = parse_bash(text)
    by = {c.name: c for c in cmds}
    assert by["a"].context == ("subst",)
    assert by["b"].context == ("subst", "subst")
    assert text[by["b"].start : by["b"].end] == "b c"
    assert by["echo"].words[1].value == '$(a "$(b c)")'


def test_case_in_substitution() -> None:
    text = "x=$(case $y in a) echo A;; *) docker build .;; esac)\nz"
    assert names(text) == [None, "echo", "docker", "z"]


def test_array_assignment() -> None:
    cmds = parse_bash("arr=(a b c)\necho ${arr[@]}")
    assert cmds[0].words == ()
    assert cmds[0].assignments[0].value == "arr=(a b c)"
    assert cmds[1].name == "echo"


def test_redirections_removed() -> None:
    c = parse_bash("docker build . > out.log 2>&1 </dev/null &>x 3>>y {fd}>z")[0]
    assert argv(c) == ["docker", "build", "."]
    c = parse_bash(">log docker build .")[0]
    assert argv(c) == ["docker", "build", "."]
    assert c.start == 0


def test_compound_redirections() -> None:
    assert names("while read x; do a; done < <(b)\nc") == ["read", "a", "b", "c"]
    assert names("{ a; } > log 2>&1; b") == ["a", "b"]


def test_crlf() -> None:
    text = "docker build \\\r\n  -t x .\r\necho y\r\n"
    cmds = parse_bash(text)
    assert [argv(c) for c in cmds] == [["docker", "build", "-t", "x", "."], ["echo", "y"]]


@pytest.mark.parametrize(
    "text",
    [
        "echo 'unterminated",
        'echo "unterminated $(docker build .',
        "echo $(unbalanced",
        "echo ${unbalanced",
        "echo ${{ unbalanced",
        "if a; then b",
        "case x in a) b",
        "))) }}} fi done esac then",
        "cat <<EOF\nno end",
        "echo `unterminated",
        "\x00\x00 docker\x00 build",
        "$(" * 500,
        "(" * 2000,
        "{ " * 2000,
        "if " * 2000,
        '"$(' * 800,
        "`" * 101,
        "! " * 3000 + "a",
        "\\",
        "a \\",
        "<<",
        "cat <<",
        "f() ",
        "for",
        "for ((",
        "case",
        "[[ a",
    ],
    ids=lambda t: repr(t[:20]),
)
def test_garbage_never_raises(text: str) -> None:
    for c in parse_bash(text):
        assert_raw(text, c)


def test_unterminated_substitution_still_finds_commands() -> None:
    assert "docker" in names('echo "unterminated $(docker build .')
    assert names("if a; then b") == ["a", "b"]


def test_large_input_is_fast() -> None:
    import time

    block = (
        "docker build -t x:$(Build.BuildId) \\\n  --cache-from type=local,src=/c . && "
        'echo "$(date) ${{ parameters.x }}" | tee -a log # done\n'
    )
    text = block * (1_000_000 // len(block))
    t0 = time.perf_counter()
    cmds = parse_bash(text)
    assert time.perf_counter() - t0 < 20
    assert sum(1 for c in cmds if c.name == "docker") == text.count("docker build")
