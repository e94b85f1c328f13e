"""Rule documentation generated from the rules' metadata and docstrings.

* ``render_rule(code)``: one rule's Markdown page (``docs/rules/LLnnn.md``); ``layerlint
  explain CODE`` prints exactly this text.
* ``rules_table()``: the README's rules table (between the ``rules-table`` markers).

``python -m layerlint.docs [README]`` rewrites the README's table and every page under
``docs/rules/`` next to it (pages of rules that no longer exist are removed);
``python -m layerlint.docs --check [README]`` writes nothing and exits 1 when anything is
stale. A test runs the check, so the docs cannot drift from the code. Generic over
``RULES``: a new rule module needs no change here.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

BEGIN = "<!-- rules-table:begin -->"
END = "<!-- rules-table:end -->"
DOCS_DIR = Path("docs", "rules")
HELP_URI = "https://github.com/layerlint/layerlint/blob/main/docs/rules/{code}.md"


def rule_sections(code: str) -> list[tuple[str, str]]:
    """(heading, dedented body) of each section of a rule's docstring; the title line
    (``CODE name``) is left out."""
    from layerlint.rules import RULES

    lines = (RULES[code].__doc__ or "").strip("\n").splitlines()[1:]
    sections: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.strip() and not line[0].isspace():
            sections.append((line.strip(), []))
        elif sections:
            sections[-1][1].append(line)
    return [(head, textwrap.dedent("\n".join(body)).strip("\n")) for head, body in sections]


def render_rule(code: str) -> str:
    from layerlint.rules import meta

    m = meta(code)
    out = [f"# {m.code} {m.name}", "", m.summary, "",
           f"Default severity: **{m.severity}**. Fix: **{m.fix or 'none'}**.", ""]
    for head, body in rule_sections(code):
        out += [f"## {head}", ""]
        if head.lower().endswith("example"):
            out += ["```yaml", body, "```", ""]
        else:
            out += [body, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def rule_description(code: str) -> str:
    """The "What it does" section as one paragraph (plain text)."""
    for head, body in rule_sections(code):
        if head == "What it does":
            return " ".join(body.split())
    from layerlint.rules import meta

    return meta(code).summary


def rules_table() -> str:
    from layerlint.rules import RULES

    rows = ["| code | name | severity | fix | what |", "|---|---|---|---|---|"]
    for code, module in RULES.items():
        m = module.META
        link = f"[{code}]({DOCS_DIR.as_posix()}/{code}.md)"
        rows.append(f"| {link} | {m.name} | {m.severity} | {m.fix or '-'} | {m.summary} |")
    return "\n".join(rows) + "\n"


def _with_table(readme: str) -> str:
    start, end = readme.find(BEGIN), readme.find(END)
    if not 0 <= start < end:
        raise ValueError(f"no {BEGIN} ... {END} markers")
    return readme[:start + len(BEGIN)] + "\n" + rules_table() + readme[end:]


def expected_files(readme: Path) -> dict[Path, str]:
    """Every generated file (README included) and the text it should hold."""
    from layerlint.rules import RULES

    files = {readme: _with_table(readme.read_text(encoding="utf-8"))}
    docs = readme.parent / DOCS_DIR
    for code in RULES:
        files[docs / f"{code}.md"] = render_rule(code)
    return files


def stale_files(readme: Path) -> list[Path]:
    expected = expected_files(readme)
    stale = [p for p, text in expected.items()
             if not p.is_file() or p.read_text(encoding="utf-8") != text]
    docs = readme.parent / DOCS_DIR
    extra = sorted(set(docs.glob("LL*.md")) - set(expected)) if docs.is_dir() else []
    return stale + extra


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    readme = Path(rest[0]) if rest else Path("README.md")
    try:
        stale = stale_files(readme)
        if check:
            for path in stale:
                sys.stderr.write(f"{path}: stale; run python -m layerlint.docs\n")
            return 1 if stale else 0
        expected = expected_files(readme)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"layerlint.docs: {readme}: {exc}\n")
        return 2
    for path in stale:
        if path in expected:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(expected[path], encoding="utf-8")
        else:
            path.unlink()
        sys.stderr.write(f"wrote {path}\n" if path in expected else f"removed {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
