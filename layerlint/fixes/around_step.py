"""The steps the fixed form puts around a build step, shared by the LL101 (docker build) and
LL103 (compose build, rewritten to bake) fixes (rules.md, "Rewriting inside an existing
script (in place)"):

* before it, after its Cache@2 steps: a bash step that creates the guarded ``layerlint``
  docker-container builder (``inspect || create``: LL401, LL402; once per way the script
  runs docker, e.g. through ``sudo``) and removes a ``-new`` dir an earlier failed run left
  on a self-hosted agent;
* after it: a bash step that moves ``DIR-new`` into ``DIR`` only when this run exported it,
  and creates ``DIR`` in any case: the post-job save fails the job on a missing ``path``
  (azure-pipelines.md 1.5), and the build may sit in an untaken ``if`` branch;
* every inserted step carries the build step's ``condition``: a skipped Cache@2 saves
  nothing (azure-pipelines.md 1.3).

A build run through ``sudo`` writes root-owned cache dirs, so they are moved with ``sudo``.
"""

from __future__ import annotations

from layerlint.finding import Edit
from layerlint.fixes.yamltext import ItemSlot, newline, render_step, yaml_scalar
from layerlint.pipeline.model import Step

BUILDER = "layerlint"


def step_condition(step: Step) -> str | None:
    """The step's ``condition`` on one line, or None."""
    found = step.get("condition")
    if not found:
        return None
    value = getattr(found[0], "value", None)
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())


def script_step(body: list[str], display: str, condition: str | None) -> list[str]:
    """A bash ``script`` step as lines relative to the step's content column."""
    lines = ["script: |", *[f"  {line}" for line in body], f"displayName: {yaml_scalar(display)}"]
    if condition is not None:
        lines.append(f"condition: {yaml_scalar(condition)}")
    return lines


def around(step: Step, slot: ItemSlot, caches: list[list[str]], dockers: list[str],
           dirs: list[str], sudo: bool, label: str, condition: str | None) -> list[Edit]:
    """The edits that insert ``caches`` (Cache@2 steps) and the set-up step before the
    step at ``slot``, and the rotation step after it. ``dockers``: the ways the script
    runs docker that need the builder (``docker``, ``sudo docker``), none when the job
    already selects a container builder."""
    s = "sudo " if sudo else ""
    setup: list[str] = []
    for docker in dict.fromkeys(dockers):
        setup += [f"{docker} buildx inspect {BUILDER} >/dev/null 2>&1 \\",
                  f"  || {docker} buildx create --name {BUILDER} --driver docker-container"]
    setup.append(f"{s}rm -rf " + " ".join(f"{d}-new" for d in dirs))
    rotate: list[str] = []
    for d in dirs:
        rotate += [f"if [ -d {d}-new ]; then", f"  {s}rm -rf {d}", f"  {s}mv {d}-new {d}",
                   "fi", f"mkdir -p {d}"]
    text = step.doc.text
    nl = newline(text)
    before = [*caches, script_step(setup, f"Set up Docker layer cache ({label})", condition)]
    after = script_step(rotate, f"Rotate Docker layer cache ({label})", condition)
    lead = nl if slot.end == len(text) and not text.endswith("\n") else ""  # no final newline
    return [Edit(slot.start, slot.start, "".join(render_step(b, slot, nl) for b in before)),
            Edit(slot.end, slot.end, lead + render_step(after, slot, nl))]
