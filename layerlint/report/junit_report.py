"""JUnit XML for test-result viewers (Azure Pipelines ``PublishTestResults@2`` with
``testResultsFormat: JUnit``, GitLab, Jenkins).

One ``<testsuite>`` per checked file (the suite name is the path) and in it one
``<testcase>`` per rule that found something in the file, failing with every finding of
that rule, one per line. A file with no findings gets one passing test case, so the Tests
tab lists every pipeline file. Test cases whose findings are all ``info`` pass (``info``
does not fail a run either) and carry the findings as ``<system-out>``.
"""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

from layerlint.engine import Result
from layerlint.finding import Finding

CLEAN_CASE = "no findings"


def _case(path: str, code: str, findings: list[Finding]) -> list[str]:
    f0 = findings[0]
    name = quoteattr(f"{code} {f0.name}")
    head = f"    <testcase classname={quoteattr(path)} name={name} time=\"0\">"
    body = escape("\n".join(
        f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity}] {f.message}" for f in findings))
    if all(f.severity == "info" for f in findings):
        return [head, f"      <system-out>{body}</system-out>", "    </testcase>"]
    first = f"line {f0.line}, column {f0.column}: {f0.message}"
    if len(findings) > 1:
        first += f" (and {len(findings) - 1} more)"
    failure = f"      <failure message={quoteattr(first)} type={quoteattr(code)}>{body}</failure>"
    return [head, failure, "    </testcase>"]


def render(result: Result) -> str:
    by_file: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in result.findings:
        by_file[f.path][f.code].append(f)
    paths = [s.path for s in result.files if s.status != "skipped"]
    paths += sorted(p for p in by_file if p not in set(paths))
    suites: list[str] = []
    total = failed = 0
    for path in paths:
        cases: list[str] = []
        rules = by_file.get(path, {})
        fails = sum(1 for fs in rules.values() if any(f.severity != "info" for f in fs))
        for code in sorted(rules):
            cases.extend(_case(path, code, rules[code]))
        if not rules:
            cases.append(f"    <testcase classname={quoteattr(path)} "
                         f"name={quoteattr(CLEAN_CASE)} time=\"0\"/>")
        count = max(1, len(rules))
        total += count
        failed += fails
        suites.append(f"  <testsuite name={quoteattr(path)} tests=\"{count}\" "
                      f"failures=\"{fails}\" errors=\"0\" skipped=\"0\" time=\"0\">")
        suites.extend(cases)
        suites.append("  </testsuite>")
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="layerlint" tests="{total}" failures="{failed}" errors="0" '
        'time="0">',
        *suites,
        "</testsuites>",
    ]) + "\n"
