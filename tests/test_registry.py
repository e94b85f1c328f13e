"""The rule registry lists every rule module; every rule is documented and has fixtures;
the README's rules table is the one the metadata renders."""

from __future__ import annotations

import pkgutil
import re

import layerlint.rules
from layerlint import docs
from layerlint.rules import RULES

from conftest import ROOT

SECTIONS = ("What it does", "Why", "Bad example", "Good example", "Fix")


def test_registry_is_complete() -> None:
    modules = {m.name for m in pkgutil.iter_modules(layerlint.rules.__path__)
               if re.match(r"ll\d{3}_", m.name)}
    assert modules == {m.__name__.rsplit(".", 1)[1] for m in RULES.values()}


def test_rule_modules_are_consistent() -> None:
    for code, module in RULES.items():
        meta = module.META
        assert meta == layerlint.rules.meta(code), (
            f"{code}: its META and the registry's table (layerlint/rules/__init__.py, read "
            "without importing the rule) differ: change both")
        assert meta.code == code and re.fullmatch(r"LL\d{3}", code)
        name = module.__name__.rsplit(".", 1)[1]
        assert name == f"{code.lower()}_{meta.name.replace('-', '_')}"
        doc = module.__doc__ or ""
        assert doc.startswith(f"{code} {meta.name}\n")
        for section in SECTIONS:
            assert f"\n{section}\n" in doc, f"{code}: no {section!r} section"


def test_readme_rules_table_is_current() -> None:
    assert docs.main(["--check", str(ROOT / "README.md")]) == 0


def test_readme_quick_start_matches_ci() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = 'python -m pip install -e ".[test]" && python -m pytest'
    assert test_command in readme and ci.rstrip().endswith(test_command)
    assert "python -m pip install . && layerlint check examples" in readme
