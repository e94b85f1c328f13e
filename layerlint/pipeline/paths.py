"""Path and variable normalisation: when do two spellings name the same directory on the
agent (rules.md "Paths"; azure-pipelines.md 2.1-2.3)?

* ``$(Pipeline.Workspace)`` = ``$(Agent.BuildDirectory)``, in macro and env-var spellings
  (``$PIPELINE_WORKSPACE``, ``${PIPELINE_WORKSPACE}``, ``$env:PIPELINE_WORKSPACE``,
  ``%PIPELINE_WORKSPACE%``);
* ``$(Build.SourcesDirectory)`` = ``$(System.DefaultWorkingDirectory)`` = workspace ``/s``;
* relative paths resolve against a working directory (the step's, or the sources dir);
* pipeline variables are substituted (macros and their env-var forms); anything still
  unknown afterwards makes the path *unknown*, and unknown paths compare only by spelling.
"""

from __future__ import annotations

import posixpath
import re

from layerlint._lazyre import lazy_re
from layerlint._record import Record

WORKSPACE = "<workspace>"
SOURCES = f"{WORKSPACE}/s"
PREDEFINED = {
    "pipeline.workspace": WORKSPACE,
    "agent.builddirectory": WORKSPACE,
    "build.sourcesdirectory": SOURCES,
    "system.defaultworkingdirectory": SOURCES,
    "build.repository.localpath": SOURCES,
    "build.artifactstagingdirectory": f"{WORKSPACE}/a",
    "build.stagingdirectory": f"{WORKSPACE}/a",
    "build.binariesdirectory": f"{WORKSPACE}/b",
    "common.testresultsdirectory": f"{WORKSPACE}/TestResults",
    "agent.tempdirectory": "<temp>",
    "agent.workfolder": "<work>",
    "agent.homedirectory": "<agent>",
}
_ENV_PREDEFINED = {k.upper().replace(".", "_"): v for k, v in PREDEFINED.items()}
_MACRO = lazy_re(__name__, "_MACRO", r"\$\(([A-Za-z_][\w.\-]*)\)")
_ENV = lazy_re(__name__, "_ENV",
    r"\$\{([A-Za-z_]\w*)\}|\$env:([A-Za-z_]\w*)|%([A-Za-z_]\w*)%|\$([A-Za-z_]\w*)", re.I
)
_UNKNOWN = lazy_re(__name__, "_UNKNOWN", r"\$\{\{|\$\[|\$\(|\$\{|\$[A-Za-z_]|%[A-Za-z_]\w*%|`")


class DirPath(Record):
    """A directory as the agent would see it. ``key`` is canonical when ``known``; when not,
    it is the spelling with what could be substituted substituted."""

    __slots__ = ("key", "known", "written")
    key: str
    written: str
    known: bool

    def __init__(self, key: str, written: str, known: bool) -> None:
        self.key = key
        self.written = written
        self.known = known

    def same(self, other: DirPath) -> bool | None:
        """True/False when decidable; None when the answer depends on unknown values."""
        if self.key == other.key:
            return True
        if self.known and other.known:
            return False
        return None

    def display(self) -> str:
        if not self.known:
            return self.written
        return self.key.replace(WORKSPACE, "$(Pipeline.Workspace)")


def expand(text: str, variables: dict[str, str], env: dict[str, str] | None = None) -> str:
    """Substitute macros ``$(name)`` of known variables (case-insensitive) and the env-var
    spellings of predefined and user variables; leave everything else as written."""
    user_env = {k.upper().replace(".", "_"): v for k, v in variables.items()}
    if env:
        user_env.update(env)
    for _ in range(10):
        before = text

        def macro(m: re.Match[str]) -> str:
            name = m.group(1).lower()
            if name in PREDEFINED:
                return PREDEFINED[name]
            return variables.get(name, m.group(0))

        def envvar(m: re.Match[str]) -> str:
            name = next(g for g in m.groups() if g)
            if name.upper() in _ENV_PREDEFINED:
                return _ENV_PREDEFINED[name.upper()]
            if name == "HOME":
                return "<home>"
            return user_env.get(name, user_env.get(name.upper(), m.group(0)))

        if "$(" in text:  # (a pattern is compiled when first needed)
            text = _MACRO.sub(macro, text)
        if "$" in text or "%" in text:
            text = _ENV.sub(envvar, text)
        if text == before:
            break
    return text


def directory(written: str, variables: dict[str, str], cwd: DirPath | None = None,
              env: dict[str, str] | None = None) -> DirPath:
    """Normalise a directory path written in a pipeline or a script."""
    text = expand(written.strip().strip("\"'"), variables, env)
    if _UNKNOWN.search(text) or "${{" in text:
        return DirPath(text, written, False)
    text = text.replace("\\", "/")
    if text.startswith("~/") or text == "~":
        text = "<home>" + text[1:]
    if not (text.startswith("/") or text.startswith("<") or re.match(r"^[A-Za-z]:/", text)):
        base = cwd if cwd is not None else DirPath(SOURCES, "", True)
        if not base.known:
            return DirPath(posixpath.join(base.key, text), written, False)
        text = posixpath.join(base.key, text)
    text = posixpath.normpath(text)
    if text.startswith("//"):
        text = text[1:]
    return DirPath(text, written, True)


SOURCES_DIR = DirPath(SOURCES, "$(Build.SourcesDirectory)", True)
