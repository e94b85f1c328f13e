r"""LL002 template-not-found

What it does
    Reports a ``template:`` reference (steps, jobs, stages, variables or ``extends``) that
    resolves to no file inside the repository, that leaves the repository root, or that
    closes an include cycle. A reference to another repository (``file@alias``) is not an
    error: until the alias is mapped to a local checkout it is reported once, at ``info``
    severity, so you know those steps were not checked.

Why
    Template paths resolve against the file that does the including, and ``/``-prefixed
    paths against the repository root (azure-pipelines.md section 4, "Template references
    and paths"). A template that cannot be found fails the run at compile time; one that
    layerlint cannot read hides its builds from every other rule.

Bad example
    steps:
    - template: templates/docker-build.yml   # no such file next to this pipeline

Good example
    steps:
    - template: /ci/templates/docker-build.yml   # repository-absolute, exists
    - template: ci\templates\docker-build.yml    # `\` separates directories too

    # ci/templates/docker-build.yml
    steps:
    - script: echo build

Fix
    None.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.rules.base import Context, Hit, RuleMeta

META = RuleMeta(
    "LL002", "template-not-found",
    "A template reference resolves to no file inside the repository.", "error",
)


def check(ctx: Context) -> Iterator[Hit]:
    for problem in ctx.pipeline.problems:
        origin = problem.origin
        yield Hit(META.code, origin.doc, origin.start, origin.end, problem.message,
                  problem.via, severity=problem.severity, once=problem.once)
