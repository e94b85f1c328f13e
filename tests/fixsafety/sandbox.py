"""Run bash text from a pipeline step under a ``docker`` stub, in a throw-away directory.

Nothing here talks to a real Docker daemon or the network: ``PATH`` holds only the stubs and a
short list of harmless file tools, and any other command name runs bash's
``command_not_found_handle``, which succeeds without doing anything. Azure macros
``$(Name.Here)`` become paths under the sandbox (and so do their environment-variable forms),
template expressions ``${{ ... }}`` become a placeholder word.

Stub modes (``LLSTUB_MODE``):

- ``FAIL``: every image build (``build``, ``image build``, ``builder build``, ``buildx build``,
  ``buildx b``, ``buildx bake``, ``compose build``, ``compose up --build``, and the same with
  the ``docker-compose`` binary, after any global options) exits 1; every other docker
  command exits 0.
- ``OK``: every docker command exits 0; a build creates each ``--cache-to`` local ``dest`` dir
  (bake: each ``--set TARGET.cache-to=``), as buildx does when it exports.
- ``NOEXPORT``: every docker command exits 0 and nothing is created (a build that did not run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DOCKER_STUB = r"""#!/bin/bash
# fix-safety docker stub: see tests/fixsafety/sandbox.py
args=("$@"); n=${#args[@]}; i=0
compose_build() {  # compose global options, then `build`, or `up` with `--build`
  local k=$1
  while (( k < n )); do
    case "${args[k]}" in
      -f|--file|-p|--project-name|--profile|--env-file|--project-directory|--ansi|--progress|\
      --parallel|-H|--host|-c|--context|--log-level|--tlscacert|--tlscert|--tlskey) k=$((k+2));;
      -*) k=$((k+1));;
      *) break;;
    esac
  done
  case "${args[k]:-}" in
    build) return 0;;
    up) local a; for a in "${args[@]:k+1}"; do [[ "$a" == --build ]] && return 0; done;;
  esac
  return 1
}
if [[ "${0##*/}" == docker-compose ]]; then
  build=0; compose_build 0 && build=1
  [[ -n "${LLSTUB_LOG:-}" ]] && echo "docker-compose $*" >> "$LLSTUB_LOG"
  (( build )) || exit 0
  [[ "${LLSTUB_MODE:-OK}" == FAIL ]] && { echo "stub: build failed" >&2; exit 1; }
  exit 0
fi
while (( i < n )); do
  case "${args[i]}" in
    -H|--host|-c|--context|--config|-l|--log-level|--tlscacert|--tlscert|--tlskey) i=$((i+2));;
    -*) i=$((i+1));;
    *) break;;
  esac
done
sub="${args[i]:-}"; build=0
case "$sub" in
  build) build=1;;
  image|builder) [[ "${args[i+1]:-}" == build ]] && build=1;;
  compose) compose_build $((i+1)) && build=1;;
  buildx)
    j=$((i+1))
    while (( j < n )); do
      case "${args[j]}" in --builder) j=$((j+2));; -*) j=$((j+1));; *) break;; esac
    done
    case "${args[j]:-}" in build|b|bake) build=1;; esac;;
esac
[[ -n "${LLSTUB_LOG:-}" ]] && echo "docker $*" >> "$LLSTUB_LOG"
(( build )) || exit 0
case "${LLSTUB_MODE:-OK}" in
  FAIL) echo "stub: build failed" >&2; exit 1;;
  NOEXPORT) exit 0;;
esac
prev=""
for a in "$@"; do
  v=""
  if [[ "$prev" == --cache-to ]]; then v="$a"; fi
  if [[ "$a" == --cache-to=* ]]; then v="${a#--cache-to=}"; fi
  if [[ "$prev" == --set && "$a" == *.cache-to=* ]]; then v="${a#*.cache-to=}"; fi
  if [[ "$a" == --set=*.cache-to=* ]]; then v="${a#*.cache-to=}"; fi
  if [[ -n "$v" && ( "$v" != *type=* || "$v" == *type=local* ) ]]; then
    if [[ ",$v" =~ ,dest=([^,]*) ]]; then
      mkdir -p -- "${BASH_REMATCH[1]}" && echo '{}' > "${BASH_REMATCH[1]}/index.json"
    fi
  fi
  prev="$a"
done
exit 0
"""

PASS_THROUGH = "#!/bin/bash\nexec \"$@\"\n"
NOOP = "#!/bin/bash\nexit 0\n"

# Real tools a region may use on its own files; everything else is a no-op.
SAFE_TOOLS = ("bash", "sh", "rm", "mv", "mkdir", "cp", "cat", "ls", "touch", "test", "[",
              "true", "false", "echo", "printf", "sed", "grep", "awk", "tr", "cut", "head",
              "tail", "wc", "sort", "uniq", "dirname", "basename", "env", "tee", "xargs",
              "date", "rmdir", "ln", "readlink", "realpath", "expr", "seq", "find")

MACRO = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.\-]*)\)")
TEMPLATE_EXPR = re.compile(r"\$\{\{.*?\}\}", re.S)
PLACEHOLDER_WORD = "LLTEMPLATEEXPR"


def is_azure_macro(name: str) -> bool:
    """``$(x)`` is an Azure macro (not a bash command substitution) when ``x`` has a dot or a
    capital letter: commands run this way (``$(pwd)``, ``$(nproc)``) are lower case."""
    return "." in name or any(c.isupper() for c in name)


def env_name(macro: str) -> str:
    """The environment variable Azure sets for a pipeline variable."""
    return re.sub(r"[^A-Za-z0-9_]", "_", macro).upper()


@dataclass(frozen=True)
class Outcome:
    status: int
    after: bool

    def brief(self) -> str:
        return f"exit {self.status}" + (", AFTER printed" if self.after else ", AFTER not printed")

    def same(self, other: Outcome) -> bool:
        return (self.status == 0) == (other.status == 0) and self.after == other.after


class Sandbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.work = root / "work"
        self.macros = root / "macros"
        for d in (self.bin, self.work, self.macros):
            d.mkdir(parents=True, exist_ok=True)
        self._write(self.bin / "docker", DOCKER_STUB)
        self._write(self.bin / "docker.exe", DOCKER_STUB)
        self._write(self.bin / "docker-compose", DOCKER_STUB)
        self._write(self.bin / "sudo", PASS_THROUGH)
        for name in ("sleep", "curl", "wget", "az", "git", "kubectl", "helm", "apt-get"):
            self._write(self.bin / name, NOOP)
        for tool in SAFE_TOOLS:
            real = shutil.which(tool)
            if real and not (self.bin / tool).exists():
                (self.bin / tool).symlink_to(real)
        self._syntax_cache: dict[str, bool] = {}

    @staticmethod
    def _write(path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)

    # -- text ------------------------------------------------------------------------------
    def macro_path(self, name: str) -> str:
        return str(self.macros / name)

    def substitute(self, text: str) -> str:
        text = TEMPLATE_EXPR.sub(PLACEHOLDER_WORD, text)
        return MACRO.sub(
            lambda m: self.macro_path(m.group(1)) if is_azure_macro(m.group(1)) else m.group(0),
            text)

    def env(self, *texts: str) -> dict[str, str]:
        env = {"PATH": str(self.bin), "HOME": str(self.work), "LANG": "C", "LC_ALL": "C",
               "LLSTUB_LOG": str(self.root / "docker.log")}
        names = {"Pipeline.Workspace", "Agent.BuildDirectory", "Build.SourcesDirectory",
                 "System.DefaultWorkingDirectory", "Agent.TempDirectory",
                 "Build.ArtifactStagingDirectory", "Build.BinariesDirectory"}
        for t in texts:
            names.update(m.group(1) for m in MACRO.finditer(t) if is_azure_macro(m.group(1)))
        for n in names:
            env[env_name(n)] = self.macro_path(n)
        return env

    # -- bash --------------------------------------------------------------------------------
    def syntax_ok(self, text: str) -> bool:
        """``bash -n`` passes and the text does not end inside a line continuation."""
        if text in self._syntax_cache:
            return self._syntax_cache[text]
        last = text.rstrip("\n").split("\n")[-1] if text.strip() else ""
        trailing = len(last) - len(last.rstrip("\\"))
        ok = trailing % 2 == 0
        if ok:
            proc = subprocess.run(["bash", "-n"], input=self.substitute(text), text=True,
                                  capture_output=True, check=False, timeout=20)
            ok = proc.returncode == 0 and "here-document" not in proc.stderr
        self._syntax_cache[text] = ok
        return ok

    def run_variants(self, text: str, variants: list[tuple[str, str, str]],
                     ) -> dict[str, Outcome]:
        """Run ``text`` once per variant ``(name, mode, prelude)`` in its own subshell:
        ``prelude`` (e.g. ``set -e``), the text, then ``echo AFTER`` unless the name ends with
        ``:last`` (the text is then the last command). One bash process for all variants."""
        body = self.substitute(text)
        parts = ["command_not_found_handle() { return 0; }", f"cd {_q(str(self.work))}"]
        for i, (name, mode, prelude) in enumerate(variants):
            after = "" if name.endswith(":last") else f"\necho __LL_AFTER_{i}__"
            parts.append(f"(\nexport LLSTUB_MODE={mode}\n{prelude}\n{body}{after}\n) </dev/null\n"
                         f"printf '\\n__LL_RC_{i}__ %s\\n' \"$?\"")
        script = "\n".join(parts) + "\n"
        proc = subprocess.run(["bash", "-c", script], env=self.env(text), cwd=self.work,
                              capture_output=True, text=True, check=False, timeout=60)
        out: dict[str, Outcome] = {}
        for i, (name, _, _) in enumerate(variants):
            m = re.search(rf"__LL_RC_{i}__ (\d+)", proc.stdout)
            status = int(m.group(1)) if m else 255
            out[name] = Outcome(status, f"__LL_AFTER_{i}__" in proc.stdout)
        return out

    def run_steps(self, scripts: list[str], mode: str, forgiving_cd: bool = True) -> int:
        """Run bash step scripts one after another, each in its own process as the agent does
        (a failing step stops the job); return the status of the first failing step or 0."""
        for s in scripts:
            prelude = "command_not_found_handle() { return 0; }\n"
            if forgiving_cd:
                prelude += 'cd() { builtin cd "$@" 2>/dev/null || return 0; }\n'
            env = self.env(s)
            env["LLSTUB_MODE"] = mode
            proc = subprocess.run(["bash", "-c", prelude + self.substitute(s)], env=env,
                                  cwd=self.work, capture_output=True, text=True, check=False,
                                  stdin=subprocess.DEVNULL, timeout=60)
            if proc.returncode:
                return proc.returncode
        return 0

    def reset_macros(self) -> None:
        shutil.rmtree(self.macros, ignore_errors=True)
        self.macros.mkdir()
        for d in self.work.iterdir():
            if d.is_dir() and not d.is_symlink():
                shutil.rmtree(d, ignore_errors=True)
            else:
                d.unlink()


def _q(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def exists_after_substitution(sandbox: Sandbox, path_text: str) -> bool:
    p = sandbox.substitute(path_text.strip())
    if not os.path.isabs(p):
        p = os.path.join(sandbox.macro_path("System.DefaultWorkingDirectory"), p)
    return os.path.isdir(p)
