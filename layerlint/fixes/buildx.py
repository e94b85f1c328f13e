"""Rewrite one docker build command of an inline script into the cached buildx form.

Only that command changes (rules.md, "The fixed form"): the guarded builder creation goes
on its own lines just before the line that holds the command, the command becomes
``docker buildx build --builder layerlint --cache-from ... --cache-to ...-new ... --load``
with every original flag and the context kept verbatim, and the cache rotation is chained
to the build (``&& rm -rf D && mv D-new D``) so a failed build keeps the old cache and the
script's exit status stays what it was. PowerShell gets backtick continuations and an
``if ($LASTEXITCODE -eq 0)`` rotation. No ``set -e`` is added to someone else's script.

The rewrite is refused (no fix offered) where it could change what the script does: the
command inside ``$( )``, a pipeline or a background job, a line continued from the
previous one, ``--no-cache`` (a deliberate choice), or an unusual command layout.
"""

from __future__ import annotations

from layerlint._record import Record
from layerlint.shell import DockerBuild

BUILDER = "layerlint"
_SAFE_JOIN = (None, "\n", ";", "&&", "||")
_SUBCOMMANDS = ("build", "image", "builder", "buildx")


class ScriptEdit(Record):
    """Replace ``value[start:end]`` of the script's value with ``text`` (value-level)."""

    __slots__ = ("end", "start", "text")
    start: int
    end: int
    text: str

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start = start
        self.end = end
        self.text = text


def _docker_index(build: DockerBuild) -> int | None:
    for i, word in enumerate(build.command.words):
        base = word.value.replace("\\", "/").rsplit("/", 1)[-1].lower()
        if base in ("docker", "docker.exe"):
            return i
    return None


def rewrite(value: str, build: DockerBuild, cache_dir: str, shell: str) -> ScriptEdit | None:
    """The value-level edit that turns ``build`` (a command of script ``value``) into the
    cached form, or None when a rewrite would not be safe."""
    cmd = build.command
    words = cmd.words
    if build.compose or build.no_cache or shell not in ("bash", "pwsh"):
        return None
    if set(cmd.context) & {"subst", "subshell", "function"}:
        return None
    if cmd.before not in _SAFE_JOIN or cmd.after not in _SAFE_JOIN or cmd.after in ("|", "&"):
        return None
    d = _docker_index(build)
    if d is None or build.subcommand_index >= len(words) or build.subcommand_index <= d:
        return None
    j = next((i for i in range(d + 1, build.subcommand_index)
              if words[i].value in _SUBCOMMANDS), None)
    if j is None:
        return None
    line = value.rfind("\n", 0, cmd.start) + 1
    if _continued(value, line, shell) or not _one_logical_line(value, cmd.start, cmd.end, shell):
        return None
    if shell == "pwsh" and (cmd.before in ("&&", "||") or cmd.after in ("&&", "||")):
        return None
    head = value[line:cmd.start]  # text before the command on its line (often only indent)
    indent = head[:len(head) - len(head.lstrip(" \t"))]
    docker = value[cmd.start:words[j].start]  # assignments, sudo, docker, global flags
    first_flag = words[build.subcommand_index].start
    rest = value[first_flag:cmd.end]
    if words[j].value == "buildx":  # keep `buildx [--builder X] build|b` as written
        verb = value[cmd.start:first_flag].rstrip()
    else:
        verb = f"{docker}buildx build"
    if build.builder is None:
        verb += f" --builder {BUILDER}"
    flags = [
        f"--cache-from=type=local,src={cache_dir}",
        f"--cache-to=type=local,dest={cache_dir}-new,mode=max",
    ]
    if not (build.load or build.push or build.outputs):
        flags.append("--load")
    c = indent + "  "
    if shell == "pwsh":
        guard = (
            f"{indent}{docker}buildx inspect {BUILDER} *> $null\n"
            f"{indent}if ($LASTEXITCODE -ne 0) {{ {docker}buildx create --name {BUILDER} "
            "--driver docker-container }\n"
        )
        body = f"{verb} `\n" + "".join(f"{c}{f} `\n" for f in flags) + f"{c}{rest}\n"
        body += (f"{indent}if ($LASTEXITCODE -eq 0) {{ Remove-Item -Recurse -Force "
                 f"{cache_dir} -ErrorAction SilentlyContinue; Move-Item {cache_dir}-new "
                 f"{cache_dir} }}")
    else:
        guard = (
            f"{indent}{docker}buildx inspect {BUILDER} >/dev/null 2>&1 \\\n"
            f"{c}|| {docker}buildx create --name {BUILDER} --driver docker-container\n"
        )
        body = f"{verb} \\\n" + "".join(f"{c}{f} \\\n" for f in flags) + f"{c}{rest} \\\n"
        body += f"{c}&& rm -rf {cache_dir} \\\n{c}&& mv {cache_dir}-new {cache_dir}"
    if build.builder is not None:
        guard = ""  # the user's own builder: keep it, add only the cache flags
    return ScriptEdit(line, cmd.end, f"{guard}{head}{body}")


def _one_logical_line(value: str, start: int, end: int, shell: str) -> bool:
    """The command is one logical line: every line break in it is a continuation, and no
    backtick substitution (bash) or unterminated quote runs on past it. Anything else
    (a quote left open, a backtick that swallows the rest of the script) means the lexer
    had to guess where the command ends: no rewrite then."""
    raw = value[start:end]
    if raw != raw.rstrip() or (shell == "bash" and "`" in raw):
        return False
    mark = "`" if shell == "pwsh" else "\\"
    return all(part.rstrip(" \t").endswith(mark) for part in raw.split("\n")[:-1])


def _continued(value: str, line_start: int, shell: str) -> bool:
    """Whether the line at ``line_start`` continues the previous line."""
    if line_start == 0:
        return False
    prev = value[value.rfind("\n", 0, line_start - 1) + 1:line_start - 1].rstrip()
    if shell == "pwsh":
        return prev.endswith(("`", "|", "&&", "||"))
    return prev.endswith(("\\", "&&", "||", "|"))
