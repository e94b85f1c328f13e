"""Which steps run an inline script, in which shell, from which working directory.

* ``script`` runs bash on Linux/macOS and cmd.exe on Windows; ``bash`` runs bash;
  ``pwsh``/``powershell`` run PowerShell (azure-pipelines.md 3.1).
* Bash@3 and PowerShell@2 run their ``script`` input only with ``targetType: inline`` (the
  default is ``filePath``); CmdLine@2 always runs ``script``; AzureCLI@2 runs
  ``inlineScript`` only with ``scriptLocation: inlineScript`` (default ``scriptPath``);
  AzurePowerShell@5 runs ``Inline`` only with ``ScriptType: InlineScript`` (default
  ``FilePath``); ShellScript@2 has no inline script (azure-pipelines.md 3.2, fact 14).
"""

from __future__ import annotations

from typing import Literal

from layerlint._record import Record
from layerlint.document import Node
from layerlint.pipeline.model import Pool, Step
from layerlint.pipeline.scope import Scope

Shell = Literal["bash", "pwsh", "cmd"]


class Script(Record):
    __slots__ = ("node", "scope", "shell", "working_directory")
    node: Node  # the scalar holding the script (possibly in a caller's file)
    scope: Scope  # the scope the scalar is read in (its doc holds the text)
    shell: Shell
    working_directory: str | None

    def __init__(self, node: Node, scope: Scope, shell: Shell,
                 working_directory: str | None) -> None:
        self.node = node
        self.scope = scope
        self.shell = shell
        self.working_directory = working_directory


def _lower(text: str | None) -> str:
    return (text or "").strip().lower()


def inline_script(step: Step, pool: Pool) -> Script | None:
    found: tuple[Node, Scope] | None = None
    shell: Shell = "bash"
    workdir: str | None = None
    if step.kind in ("script", "bash", "pwsh", "powershell"):
        found = step.get(step.kind)
        if step.kind in ("pwsh", "powershell"):
            shell = "pwsh"
        elif step.kind == "script" and pool.os == "windows":
            shell = "cmd"
        workdir = step.text("workingDirectory")
    elif step.task is not None:
        name, major = step.task
        workdir = step.input_text("workingDirectory", "cwd")
        if name == "bash" and major >= 3:
            if _lower(step.input_text("targetType")) == "inline":
                found = step.input("script")
        elif name == "powershell" and major >= 2:
            if _lower(step.input_text("targetType")) == "inline":
                found, shell = step.input("script"), "pwsh"
        elif name == "cmdline":
            found = step.input("script")
            shell = "cmd" if pool.os == "windows" else "bash"
        elif name == "azurecli":
            if _lower(step.input_text("scriptLocation")) == "inlinescript":
                found = step.input("inlineScript")
                kind = _lower(step.input_text("scriptType"))
                shell = "pwsh" if kind in ("ps", "pscore") else "cmd" if kind == "batch" else (
                    "bash")
        elif name == "azurepowershell" and (
            _lower(step.input_text("ScriptType")) == "inlinescript"
        ):
            found, shell = step.input("Inline"), "pwsh"
    if found is None:
        return None
    node, scope = found[1].resolve(found[0])
    if not isinstance(getattr(node, "value", None), str):
        return None
    return Script(node, scope, shell, workdir)
