from __future__ import annotations

import pytest

from layerlint.shell import Command, parse_powershell


def names(text: str) -> list[str | None]:
    return [c.name for c in parse_powershell(text)]


def argv(c: Command) -> list[str]:
    return [w.value for w in c.words]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("docker build .", [["docker", "build", "."]]),
        ("a; b", [["a"], ["b"]]),
        ("a | b", [["a"], ["b"]]),
        ("a && b || c", [["a"], ["b"], ["c"]]),
        ("a\nb", [["a"], ["b"]]),
        ("echo 'it''s' \"say \"\"hi\"\"\"", [["echo", "it's", 'say "hi"']]),
        ('echo "a`tb`"c"', [["echo", 'a\tb"c']]),
        ('echo "$(Build.BuildId) $env:X ${y}"', [["echo", "$(Build.BuildId) $env:X ${y}"]]),
        ("echo ${{ parameters.x }}", [["echo", "${{ parameters.x }}"]]),
        ("echo a`\n  b", [["echo", "a", "b"]]),
        ("echo a `   \n  b", [["echo", "a", "b"]]),
        ("echo a # comment\nb", [["echo", "a"], ["b"]]),
        ("echo a#b", [["echo", "a#b"]]),
        ("<# block\ndocker build . #> c", [["c"]]),
        ("& docker build .", [["docker", "build", "."]]),
        ("& 'C:\\Program Files\\docker.exe' build .",
         [["C:\\Program Files\\docker.exe", "build", "."]]),
        (". ./script.ps1 -x", [["./script.ps1", "-x"]]),
        ("docker build . 2>&1 > out.log *> x", [["docker", "build", "."]]),
        ("", []),
    ],
)  # fmt: skip
def test_words(text: str, expected: list[list[str]]) -> None:
    cmds = parse_powershell(text)
    assert [argv(c) for c in cmds if c.context == ()] == expected
    for c in cmds:
        for w in c.words:
            assert 0 <= w.start <= w.end <= len(text)


def test_template_expression_without_space_handling() -> None:
    # ${{ }} inside a double-quoted string is one word
    c = parse_powershell('docker build -t "${{ parameters.x }}" .')[0]
    assert argv(c) == ["docker", "build", "-t", "${{ parameters.x }}", "."]


def test_backtick_continuation_positions() -> None:
    text = (
        "docker build `\n"
        "  -t $(Build.Repository.Name):$(Build.BuildId) `  \n"
        "  --cache-from type=local,src=$(Pipeline.Workspace)/cache `\n"
        "  .\n"
        "Write-Host done\n"
    )
    cmds = [c for c in parse_powershell(text) if c.context == ()]
    assert [c.name for c in cmds] == ["docker", "Write-Host"]
    d = cmds[0]
    assert argv(d)[4:] == ["--cache-from", "type=local,src=$(Pipeline.Workspace)/cache", "."]
    assert [text[w.start : w.end] for w in d.words][
        3
    ] == "$(Build.Repository.Name):$(Build.BuildId)"
    assert text[d.start : d.end].endswith("`\n  .")
    assert d.after == "\n"


@pytest.mark.parametrize(
    "text",
    [
        'Write-Host "docker build ."',
        "Write-Host 'docker build .'",
        "# docker build .",
        "<# docker build . #>",
        '$x = @"\ndocker build .\n"@\n',
        "$x = @'\ndocker build $(x) .\n'@\n",
        '"docker build ." | Out-File x',
    ],
)
def test_traps_not_docker(text: str) -> None:
    assert "docker" not in names(text)


def test_here_string_value_and_continuation() -> None:
    text = '$x = @"\nline $(Get-Date)\n"@\ndocker build .'
    cmds = parse_powershell(text)
    assert cmds[0].words[0].value == "line $(Get-Date)"
    assert [c.name for c in cmds] == ["line $(Get-Date)", "Get-Date", "docker"]
    assert cmds[1].context == ("subst",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("if ($x) { a } elseif ($y) { b } else { c }",
         {"$x": ("if-cond",), "a": ("if-body",), "$y": ("if-cond",), "b": ("if-body",),
          "c": ("if-body",)}),
        ("if (Test-Path x)\n{\n  a\n}\nelse\n{\n  b\n}\nc",
         {"Test-Path": ("if-cond",), "a": ("if-body",), "b": ("if-body",), "c": ()}),
        ("foreach ($i in $list) { a $i }", {"a": ("loop-body",)}),
        ("for ($i=0; $i -lt 3; $i++) { a }", {"a": ("loop-body",)}),
        ("while ($true) { a }", {"$true": ("while-cond",), "a": ("loop-body",)}),
        ("do { a } while ($x)", {"a": ("loop-body",), "$x": ("while-cond",)}),
        ("try { a } catch [System.Exception] { b } finally { c }",
         {"a": ("group",), "b": ("group",), "c": ("group",)}),
        ("function Build-It { param($x) a }", {"a": ("function",)}),
        ("$list | ForEach-Object { a $_ }", {"$list": (), "ForEach-Object": (),
                                             "a": ("loop-body",)}),
        ("$id = $(a)", {"$(a)": (), "a": ("subst",)}),
        ("$id = (a -q .)", {"(a -q .)": (), "a": ("subst",)}),
        ("switch ($x) { 'a' { b } }", {"a": ("case",), "b": ("case", "group")}),
        ("Invoke-Command -ScriptBlock { a }", {"Invoke-Command": (), "a": ("group",)}),
        ("{ a }", {"a": ("group",)}),
    ],
)  # fmt: skip
def test_contexts(text: str, expected: dict[str | None, tuple[str, ...]]) -> None:
    got = {c.name: c.context for c in parse_powershell(text)}
    assert got == expected


def test_assignment_then_command() -> None:
    text = "$id = docker build -q ."
    c = parse_powershell(text)[0]
    assert [w.value for w in c.assignments] == ["$id", "="]
    assert argv(c) == ["docker", "build", "-q", "."]
    assert c.start == 0
    c = parse_powershell("$out = & docker build .")[0]
    assert argv(c) == ["docker", "build", "."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a | b", [(None, "|"), ("|", None)]),
        ("a |\n  b", [(None, "|"), ("|", None)]),
        ("a\n| b", [(None, "|"), ("|", None)]),
        ("a && b", [(None, "&&"), ("&&", None)]),
        ("a; b", [(None, ";"), (";", None)]),
        ("a &", [(None, "&")]),
    ],
)
def test_operators(text: str, expected: list[tuple[str | None, str | None]]) -> None:
    assert [(c.before, c.after) for c in parse_powershell(text)] == expected


def test_keywords_case_insensitive() -> None:
    got = {c.name: c.context for c in parse_powershell("If ($x) { a } Else { b }")}
    assert got == {"$x": ("if-cond",), "a": ("if-body",), "b": ("if-body",)}


@pytest.mark.parametrize(
    "text",
    [
        "'unterminated",
        '"unterminated $(docker build .',
        '@"\nunterminated',
        "<# unterminated",
        "if (",
        "if ($x) {",
        "}}}))) else catch",
        "$(" * 500,
        "(" * 2000,
        "{" * 2000,
        "if (1) {" * 500,
        "`",
        "a `",
        "\x00 docker \x00",
        "@{ a = 1; b = (docker build .) }",
    ],
    ids=lambda t: repr(t[:20]),
)
def test_garbage_never_raises(text: str) -> None:
    for c in parse_powershell(text):
        assert c.start <= c.end <= len(text)
