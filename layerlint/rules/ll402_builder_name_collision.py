r"""LL402 builder-name-collision

What it does
    Reports ``docker buildx create --name NAME`` when its failure for an existing NAME is
    not handled: not the left operand of ``||``, not after ``docker buildx inspect NAME
    ||``, not in an ``if``/``until`` branch that tests ``docker buildx inspect NAME``, no
    ``--append``, no ``docker buildx rm NAME`` earlier in the script. ``info`` on
    Microsoft-hosted pools.

Why
    Creating a builder whose name exists fails with ``existing instance for "NAME" but no
    append mode`` (``--use`` does not help: the error comes first) (azure-pipelines.md 6,
    fact 11; buildx-cache.md 4.1, fact 14: ``builder/builder.go``). Self-hosted agents keep
    ``~/.docker/buildx`` between runs, so the second run on the same agent fails;
    Microsoft-hosted agents get a fresh VM per job, so there it is only a latent bug.

Bad example
    - script: docker buildx create --name builder --driver docker-container --use

Good example
    - script: |
        docker buildx create --name builder --driver docker-container --use \
          || docker buildx use builder

Fix
    Safe: chain ``|| docker buildx use NAME`` (when ``--use`` is given) or ``|| docker
    buildx inspect NAME >/dev/null`` to the command, so an existing builder is reused and
    any other failure still fails. Bash scripts on non-Windows pools only.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.jobstate import JobState
from layerlint.pipeline.model import Job
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.severity_types import Severity
from layerlint.timeline import BuilderOp

META = RuleMeta(
    "LL402", "builder-name-collision",
    "An unguarded buildx create fails when the builder exists.", "error", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        job = timeline.job
        for op in JobState(timeline).unguarded_creates():
            assert op.op.name is not None
            name = op.op.name.value
            run = op.script
            cmd = run.commands[op.position]
            severity: Severity | None = "info" if job.pool.hosted else None
            where = ("a Microsoft-hosted agent starts fresh, so this only bites when the job "
                     "moves to a self-hosted pool" if job.pool.hosted else
                     "the builder persists on this self-hosted agent")
            message = (
                f"`docker buildx create --name {name}` fails with 'existing instance for "
                f"\"{name}\"' when the builder already exists ({where}); guard it with "
                f"`docker buildx inspect {name} ||` or `|| docker buildx use {name}`"
            )
            start, end = run.offset(cmd.start), run.offset(max(cmd.end - 1, cmd.start)) + 1
            yield Hit(META.code, run.doc, start, end, message, run.step.scope.via, severity,
                      _fix(op, name, job))


def _fix(op: BuilderOp, name: str, job: Job) -> Fix | None:
    run = op.script
    if job.pool.os == "windows" or run.shell != "bash" or not fixkit.plain_word(name):
        return None
    cmd = run.commands[op.position]
    if cmd.after in ("|", "|&"):
        return None
    tail = (f" || docker buildx use {name}" if op.op.use
            else f" || docker buildx inspect {name} >/dev/null")
    edit = fixkit.insert_after(run, cmd.end, tail)
    return Fix(f"reuse the builder {name} when it exists", "safe", (edit,)) if edit else None
