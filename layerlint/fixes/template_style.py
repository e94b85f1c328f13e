"""The template style of the fix (``fix.style = "template"``): a build becomes a short
``- template:`` reference to one shared steps template, written once per repository.

A repository with five pipelines ends up with one template and five references; changing
how images are cached is then a one-file change. The template is the fixed form with
typed parameters; it is clean under layerlint on its own (required parameters have no
default, so nothing is judged on values it cannot know) and through every caller.
"""

from __future__ import annotations

from pathlib import Path

from layerlint._record import Record
from layerlint.finding import Edit, Fix
from layerlint.fixes.around_step import BUILDER
from layerlint.fixes.cache_step import CACHE_ROOT, JOB_IDENTITY
from layerlint.fixes.plan import dockerfile_of, image_slug
from layerlint.fixes.yamltext import item_slot, newline, render_step, yaml_scalar
from layerlint.pipeline.scope import mapping_items
from layerlint.pipeline.scripts import inline_script
from layerlint.timeline import Build, Timeline

DEFAULT_TEMPLATE = ".azure-pipelines/templates/docker-build-cached.yml"
_DIR = f"{CACHE_ROOT}/${{{{ parameters.name }}}}"
_JOB = JOB_IDENTITY  # every job and leg that calls the template keeps its own entries

TEMPLATE = f"""\
# Build a Docker image with a layer cache that persists between runs.
# Written by layerlint (`layerlint explain LL101`); used as:
#   - template: /{{path}}
#     parameters:
#       name: api                      # names the cache (one per image)
#       dockerfile: src/api/Dockerfile # hashed into the cache key
#       context: src/api
#       arguments: -t myregistry.azurecr.io/api:$(Build.BuildId)
parameters:
- name: name
  type: string
- name: dockerfile
  type: string
- name: context
  type: string
  default: .
- name: arguments
  type: string
  default: ''
- name: output
  type: string
  default: --load
- name: displayName
  type: string
  default: ''

steps:
- task: Cache@2
  displayName: Restore Docker layer cache (${{{{ parameters.name }}}})
  inputs:
    key: '"docker" | "$(Agent.OS)" | {_JOB} | "${{{{ parameters.name }}}}" | ${{{{ parameters.dockerfile }}}} | "$(Build.SourceVersion)"'
    restoreKeys: |
      "docker" | "$(Agent.OS)" | {_JOB} | "${{{{ parameters.name }}}}" | ${{{{ parameters.dockerfile }}}}
      "docker" | "$(Agent.OS)" | {_JOB} | "${{{{ parameters.name }}}}"
    path: {_DIR}
- script: |
    set -euo pipefail
    docker buildx inspect {BUILDER} >/dev/null 2>&1 \\
      || docker buildx create --name {BUILDER} --driver docker-container
    docker buildx build --builder {BUILDER} \\
      --cache-from=type=local,src={_DIR} \\
      --cache-to=type=local,dest={_DIR}-new,mode=max \\
      ${{{{ parameters.output }}}} \\
      -f ${{{{ parameters.dockerfile }}}} \\
      ${{{{ parameters.arguments }}}} \\
      ${{{{ parameters.context }}}}
    rm -rf {_DIR}
    mv {_DIR}-new {_DIR}
  ${{{{ if eq(parameters.displayName, '') }}}}:
    displayName: Build ${{{{ parameters.name }}}} (cached)
  ${{{{ else }}}}:
    displayName: ${{{{ parameters.displayName }}}}
"""  # noqa: E501


def template_text(path: str) -> str:
    return TEMPLATE.replace("{path}", path.lstrip("/"))


class TemplateCall(Record):
    __slots__ = ("arguments", "context", "display_name", "dockerfile", "name", "output")
    name: str
    dockerfile: str
    context: str
    arguments: str
    output: str
    display_name: str | None

    def __init__(self, name: str, dockerfile: str, context: str, arguments: str,
                 output: str = "--load", display_name: str | None = None) -> None:
        self.name = name
        self.dockerfile = dockerfile
        self.context = context
        self.arguments = arguments
        self.output = output
        self.display_name = display_name

    def lines(self, template: str) -> list[str]:
        """The reference as step lines relative to the content column."""
        out = [f"template: /{template.lstrip('/')}", "parameters:",
               f"  name: {yaml_scalar(self.name)}",
               f"  dockerfile: {yaml_scalar(self.dockerfile)}",
               f"  context: {yaml_scalar(self.context)}"]
        if self.arguments:
            out.append(f"  arguments: {yaml_scalar(self.arguments)}")
        if self.output != "--load":
            out.append(f"  output: {yaml_scalar(self.output)}")
        if self.display_name:
            out.append(f"  displayName: {yaml_scalar(self.display_name)}")
        return out


def script_call(build: Build, timeline: Timeline, root: Path | None) -> TemplateCall | None:
    """The template reference that can replace ``build``'s whole step: only when the
    step's script is that one build (``set`` lines aside) and the step carries nothing a
    template reference cannot (``condition``, ``env``, ``workingDirectory``...)."""
    docker = build.docker
    script = inline_script(build.step, timeline.job.pool)
    if docker is None or script is None or script.shell != "bash" or root is None:
        return None
    keys = {k for k, _, _ in mapping_items(build.step.node, build.step.scope)}
    if keys - {build.step.kind, "displayName", "name"} or docker.outputs or docker.builder:
        return None
    commands = build.script.commands if build.script is not None else []
    others = [c for c in commands
              if c.words and c.name != "set" and "subst" not in c.context
              and c.start != docker.command.start]
    if others or docker.no_cache or docker.context is None:
        return None
    dockerfile = dockerfile_of(build, root)
    if dockerfile is None:
        return None
    value: str = script.node.value
    args = []
    words = docker.command.words
    i = docker.subcommand_index
    while i < len(words):
        w = words[i]
        if w.value in ("-f", "--file"):
            i += 2
            continue
        if w.value in ("--load", "--push") or w.value.startswith(("--file=", "-f")) or (
                w is docker.context):
            i += 1
            continue
        args.append(value[w.start:w.end])
        i += 1
    return TemplateCall(image_slug(build, timeline), dockerfile, docker.context.value,
                        " ".join(args), "--push" if docker.push else "--load",
                        build.step.text("displayName"))


def template_fix(build: Build, call: TemplateCall, template: str, root: Path) -> Fix | None:
    slot = item_slot(build.step.doc, build.step.node)
    if slot is None:
        return None
    nl = newline(build.step.doc.text)
    target = (root / template.lstrip("/")).resolve()
    files = () if target.exists() else ((str(target), template_text(template)),)
    text = render_step(call.lines(template), slot, nl)
    return Fix(f"Use the shared cached-build template /{template.lstrip('/')} ({call.name})",
               "safe", (Edit(slot.start, slot.end, text),), files)
