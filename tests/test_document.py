"""Bad input becomes a DocumentError (LL001) with a position, never a crash."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerlint.document import DocumentError, decode, load, parse_text

P = Path("x.yml")


def error_of(text: str) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        parse_text(P, "x.yml", text)
    return info.value


def test_syntax_error_position() -> None:
    e = error_of("steps:\n- script: [oops\n")
    assert e.line == 3 and "flow" in e.message


def test_duplicate_key() -> None:
    e = error_of("steps: []\njobs: []\nsteps: []\n")
    assert (e.line, e.column) == (3, 1) and "duplicate key 'steps'" in e.message


def test_alias_bomb_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    e = error_of("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert "alias" in e.message


def test_small_aliases_are_fine() -> None:
    doc = parse_text(P, "x.yml", "a: &x [1, 2]\nb: *x\n")
    assert doc.root is not None


@pytest.mark.parametrize("text", [
    "[" * 10_000 + "]" * 10_000,
    "[" * 100_000 + "]" * 100_000,  # segfaults ruamel's C composer if composed directly
    "".join("  " * i + f"k{i}:\n" for i in range(3000)) + "  " * 3000 + "v\n",
])
def test_deep_nesting(text: str) -> None:
    assert "nesting" in error_of(text).message


def test_size_limit_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yml"
    with open(path, "wb") as fh:
        fh.truncate(6 * 1024 * 1024)
    with pytest.raises(DocumentError, match="over the"):
        load(path, "big.yml")


@pytest.mark.parametrize(("data", "message"), [
    (b"steps:\n- script: caf\xe9\n", "UTF-8"),
    (b"steps:\x00\n", "NUL"),
])
def test_bad_bytes(data: bytes, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        decode(data)


def test_utf16_and_bom() -> None:
    text = "steps:\n- script: echo é\n"
    assert decode(text.encode("utf-16"))[0] == text
    assert decode(b"\xef\xbb\xbf" + text.encode()) == (text, "utf-8", True)


def test_crlf_positions() -> None:
    doc = parse_text(P, "x.yml", "steps:\r\n- script: |\r\n    docker build .\r\n")
    node = doc.root.value[0][1].value[0].value[0][1]
    offset = doc.scalar_offsets(node)(0)
    assert doc.position(offset) == (3, 5)


@pytest.mark.parametrize("style", ["plain", "single", "double", "literal", "folded"])
def test_scalar_offsets_point_at_source(style: str) -> None:
    value = "docker build -t app ."
    source = {
        "plain": value, "single": f"'{value}'", "double": f'"{value}"',
        "literal": f"|\n  echo hi\n  {value}", "folded": f">\n  {value}",
    }[style]
    doc = parse_text(P, "x.yml", f"script: {source}\n")
    node = doc.root.value[0][1]
    at = node.value.index("docker")
    offset = doc.scalar_offsets(node)(at)
    assert doc.text[offset:offset + 6] == "docker"


def test_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read"):
        load(tmp_path, "dir")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_never_raises_anything_else(text: str) -> None:
    try:
        doc = parse_text(P, "x.yml", text)
    except DocumentError as e:
        assert e.line >= 1 and e.column >= 1
        return
    for offset in range(0, len(doc.text) + 1, 7):
        line, col = doc.position(offset)
        assert 1 <= line <= doc.text.count("\n") + 1 and col >= 1


def test_block_indentation_is_not_part_of_the_value() -> None:
    doc = parse_text(P, "x.yml", "s: |\n    if x; then\n      docker build .\n    fi\n")
    node = doc.root.value[0][1]
    at = node.value.index("\n") + 1  # first (indentation) space of the second value line
    offset = doc.scalar_offsets(node)(at)
    assert doc.position(offset) == (3, 5)  # block indent is 4: the value's space is col 5


def test_a_failed_parse_leaves_nothing_behind() -> None:
    """The C parser's YAML object is reused from file to file: an error in one file (here
    in the middle of a document that defines an anchor) must not reach the next one."""
    broken = "a: &x {b: 1}\nc: [unclosed\n"
    with pytest.raises(DocumentError):
        parse_text(Path("/r/broken.yml"), "broken.yml", broken)
    with pytest.raises(DocumentError) as info:
        parse_text(Path("/r/alias.yml"), "alias.yml", "d: *x\n")
    assert "undefined alias" in info.value.message
    doc = parse_text(Path("/r/ok.yml"), "ok.yml", "steps:\n- script: echo\n")
    assert doc.root is not None and doc.root.value[0][0].value == "steps"


_LINE = st.text(alphabet=" ab\\\"'#:-\t|", max_size=8)


@settings(max_examples=400, deadline=None)
@given(header=st.sampled_from(["|", "|-", "|+", "|2", "|2-", "|4+", ">", "", "'", '"']),
       lines=st.lists(_LINE, min_size=1, max_size=5),
       indent=st.sampled_from([2, 4]), extra=st.lists(st.sampled_from([0, 1, 2]), max_size=5),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_verbatim_offsets_equal_the_aligned_ones(header: str, lines: list[str], indent: int,
                                                 extra: list[int], newline: str) -> None:
    """The fast table (a line at a time) is the greedy alignment's, whenever it applies."""
    pad = [" " * (indent + (extra[i] if i < len(extra) else 0)) for i in range(len(lines))]
    if header.startswith(("|", ">")):
        body = newline.join(p + line if line.strip() else line for p, line in zip(
            pad, lines, strict=True))
        text = f"key: {header}{newline}{body}{newline}other: 1{newline}"
    else:
        q = header
        text = f"key: {q}{lines[0].replace(q, q * 2) if q == chr(39) else lines[0]}{q}\n"
    try:
        doc = parse_text(Path("/r/x.yml"), "x.yml", text)
    except DocumentError:
        return
    node = doc.root.value[0][1]
    fast = doc._verbatim_offsets(node)
    if fast is not None:
        assert fast == doc._aligned_offsets(node)
