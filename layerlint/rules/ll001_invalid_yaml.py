r"""LL001 invalid-yaml

What it does
    Reports a file that cannot be parsed: a YAML syntax error, a duplicate key, an alias
    bomb, nesting too deep, a file over the size limit, or bytes that are not UTF-8 (or
    UTF-16 with a byte-order mark). The finding sits at the parser's error position and
    carries the parser's message. Only pipeline files are reported: a file named on the
    command line, one whose name or place marks it as a pipeline (``azure-pipelines*.yml``,
    anything under ``.azure-pipelines/``, ``.azuredevops/``, ``.pipelines/``, ``.ado/`` or
    ``pipelines/``), or a template a linted pipeline references. Other YAML that does not
    parse (Helm chart templates, manifests, lock files) is skipped; ``--verbose`` says why.
    Repeated template-expression keys (``${{ if }}``, ``${{ elseif }}``, ``${{ else }}``,
    ``${{ each }}``) are valid.

Why
    Azure Pipelines refuses such a file before any job runs, and layerlint cannot check
    what it cannot read. A linter that runs on every commit must never crash on bad input;
    it says what is wrong instead.

Bad example
    steps:
    - script: docker build .
    steps:          # duplicate key
    - script: echo hi

Good example
    steps:
    - script: docker build .
    - script: echo hi

Fix
    None.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.rules.base import Context, Hit, RuleMeta

META = RuleMeta("LL001", "invalid-yaml", "The file cannot be parsed as YAML.", "error")


def check(ctx: Context) -> Iterator[Hit]:
    """Parse errors are found while loading the document (``layerlint.document``); the
    engine reports them under this rule. Nothing to check on a parsed document."""
    return iter(())
