"""The fix-safety checks, on an original and a fixed copy of one repository.

Each check is a function ``check_*(run) -> list[Failure]`` over a :class:`RepoRun`; the
numbers follow issue 10's list:

1. shell: each changed bash region behaves like the original under the docker stub;
2. args: every original build argument survives, in order; the fix only adds cache flags;
3. keys: no inserted Cache@2 key text is shared by two jobs, legs or template callers;
4. windows: no Cache@2 is inserted in a Windows or macOS job;
5. conditions: inserted Cache@2/rotation steps carry the build step's condition, and the
   Cache@2 path exists after the build's steps when the build did not run;
6. expressions: every ``${{ }}`` expression of the original survives;
7. idempotent: a second ``--fix`` changes nothing;
8. findings: the re-lint has no new finding, and every fix that was offered is gone.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import itertools
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerlint.cli import main as layerlint_main
from layerlint.shell import DockerBuild, parse_bash, parse_docker, parse_powershell

from .pipelines import (
    EXPR,
    JobInstance,
    Occurrence,
    Repo,
    Step,
    job_windows_reasons,
    step_at,
    step_says_windows,
    subst_params,
)
from .sandbox import Sandbox, exists_after_substitution

ROTATE_DISPLAY = re.compile(r"^\s*rotate\b", re.I)


@dataclass
class Failure:
    check: str
    repo: str
    file: str
    line: int
    message: str
    original: str = ""
    fixed: str = ""

    def __str__(self) -> str:
        out = f"[{self.check}] {self.repo}: {self.file}:{self.line}: {self.message}"
        if self.original:
            out += "\n  original:\n" + _indent(self.original)
        if self.fixed:
            out += "\n  fixed:\n" + _indent(self.fixed)
        return out


def _indent(text: str, limit: int = 14) -> str:
    lines = text.rstrip("\n").split("\n")
    if len(lines) > limit:
        lines = [*lines[:limit], f"... ({len(lines) - limit} more lines)"]
    return "\n".join("    | " + x for x in lines)


# =========================================================================== running
@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def layerlint(cwd: Path, *argv: str) -> tuple[int, str, str]:
    """``layerlint`` in-process, with ``cwd`` as working directory."""
    out, err = io.StringIO(), io.StringIO()
    with _cwd(cwd):
        code = layerlint_main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


GIT = ["git", "-c", "user.name=harness", "-c", "user.email=harness@example.invalid",
       "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null",
       "-c", "init.defaultBranch=main"]


def copy_tree(src: Path, dest: Path, link: bool) -> None:
    """Copy ``src`` (without any ``.git``); ``link``: hard links where possible (for a copy
    that is never written: the shared checkouts are read-only, the fixer refuses those)."""
    for p in src.rglob("*"):
        rel = p.relative_to(src)
        if ".git" in rel.parts:
            continue
        target = dest / rel
        if p.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif p.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            if link:
                try:
                    os.link(p, target)
                    continue
                except OSError:
                    pass
            shutil.copyfile(p, target)


def copy_checkout(src: Path, dest: Path, commit: bool = True, link: bool = False) -> None:
    """A copy of ``src`` as a git checkout (so that its root is the repository root)."""
    dest.mkdir(parents=True, exist_ok=True)
    copy_tree(src, dest, link)
    subprocess.run([*GIT, "init", "-q"], cwd=dest, check=True)
    if commit:
        subprocess.run([*GIT, "add", "-A"], cwd=dest, check=True)
        subprocess.run([*GIT, "commit", "-q", "--no-verify", "-m", "checkout"], cwd=dest,
                       check=True)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(root).parts}


@dataclass
class RepoRun:
    name: str
    unsafe: bool
    before: Path
    after: Path
    findings_before: list[dict[str, Any]]
    findings_after: list[dict[str, Any]]
    fix_output: str
    changed: list[str]                 # files the fix changed
    second_fix: dict[str, tuple[str, str]]  # file -> (after first fix, diff of a second fix)
    work: Path
    _cache: dict[str, Any] = field(default_factory=dict)

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def repo_before(self) -> Repo:
        return self.cached("rb", lambda: Repo(self.before))  # type: ignore[no-any-return]

    @property
    def repo_after(self) -> Repo:
        return self.cached("ra", lambda: Repo(self.after))  # type: ignore[no-any-return]

    @property
    def sandbox(self) -> Sandbox:
        return self.cached("sb", lambda: Sandbox(self.work / "sandbox"))  # type: ignore[no-any-return]

    def pairings(self) -> dict[str, FilePairing]:
        return self.cached("pairs", lambda: pair_files(self))  # type: ignore[no-any-return]

    def occurrences_after(self) -> list[Occurrence]:
        return self.cached("occ_a", self.repo_after.occurrences)  # type: ignore[no-any-return]

    def occurrences_before(self) -> list[Occurrence]:
        return self.cached("occ_b", self.repo_before.occurrences)  # type: ignore[no-any-return]


def run_repo(src: Path, work: Path, unsafe: bool = False, isolated: bool = True) -> RepoRun:
    """Copy ``src`` to ``work/before`` (a git checkout) and ``work/after``; lint ``before``;
    ``--fix`` ``after`` (the same run re-lints the fixed files afresh); then ask for the diff a
    second ``--fix`` would make."""
    before, after = work / "before", work / "after"
    copy_checkout(src, before, commit=False, link=True)
    copy_checkout(src, after)
    extra = ["--unsafe-fixes"] if unsafe else []
    common = ["check", "--exit-zero", *(["--isolated"] if isolated else [])]
    _, out_b, _ = layerlint(before, *common, "--format", "json", ".")
    _, out_a, fix_err = layerlint(after, *common, "--fix", "--show-fixes", *extra,
                                  "--format", "json", ".")
    snap_b, snap_a = snapshot(before), snapshot(after)
    changed = sorted(f for f in snap_a if snap_b.get(f) != snap_a[f])
    second: dict[str, tuple[str, str]] = {}
    if changed:
        _, diff, _ = layerlint(after, *common, "--diff", *extra, ".")
        for chunk in re.split(r"(?m)^(?=--- )", diff):
            m = re.match(r"--- (?:a/)?(\S+)", chunk)
            if m:
                second[m.group(1)] = (snap_a.get(m.group(1), b"").decode("utf-8", "replace"),
                                      chunk)
    return RepoRun(src.name, unsafe, before, after, json.loads(out_b)["findings"],
                   json.loads(out_a)["findings"], fix_err, changed, second, work)


def offers_unsafe(findings: list[dict[str, Any]]) -> bool:
    return any((f.get("fix") or {}).get("applicability") == "unsafe" for f in findings)


# =========================================================================== step pairing
@dataclass
class FilePairing:
    file: str
    pairs: list[tuple[Step, Step]]       # (original, fixed)
    inserted: list[Step]                  # fixed steps with no original
    runs: list[tuple[Step | None, list[Step], Step | None]]  # (orig before, inserted, after)
    problems: list[str]


def is_insertable(s: Step) -> bool:
    """Steps a fix may add: Cache@2, a Docker@2 login, a bash step that only deals with the
    builder or the cache dir (builder set-up before the build, rotation after it)."""
    if s.task == "cache@2":
        return True
    if (s.task or "").startswith("docker@") and str(s.inputs.get("command", "")).lower() == "login":
        return True
    if ROTATE_DISPLAY.search(s.display):
        return True
    sc = s.script()
    if sc and sc[0] == "bash":
        text = re.sub(r"\$\([A-Za-z_][\w.]*\)", "MACRO", sc[1])  # the agent expands these
        names = {c.name for c in parse_bash(text) if c.name}
        names = {n for n in names if n != "sudo"} | {
            c.words[1].value for c in parse_bash(sc[1]) if c.name == "sudo" and len(c.words) > 1}
        return bool(names) and names <= {"docker", "rm", "mv", "mkdir", "if", "set", "["} and \
            not _builds("bash", sc[1])
    return False


def _compatible(o: Step, f: Step) -> bool:
    if o.task == "cache@2" or f.task == "cache@2":
        if o.task != f.task:
            return False
        a, b = o.inputs, f.inputs
        return str(a.get("key")) == str(b.get("key")) or str(a.get("path")) == str(b.get("path"))
    if o.kind == f.kind and o.task == f.task:
        return True
    # a Docker task replaced by a script step (the LL102 fix)
    return (o.task or "").startswith("docker@") and f.script() is not None


def _similar(o: Step, f: Step) -> bool:
    """``f`` is ``o`` edited (a guard added, a path rewritten), not a step inserted."""
    import difflib

    if not _compatible(o, f):
        return False
    if o.task == "cache@2":
        return True
    if f.script() is None or o.script() is None:
        return o.display == f.display
    return o.display == f.display or difflib.SequenceMatcher(
        a=o.text(), b=f.text(), autojunk=False).ratio() >= 0.6


def pair_steps(orig: list[Step], fixed: list[Step]) -> tuple[list[tuple[Step, Step]],
                                                              list[Step], list[str]]:
    pairs: list[tuple[Step, Step]] = []
    inserted: list[Step] = []
    problems: list[str] = []
    i = 0
    for f in fixed:
        if i < len(orig) and orig[i].node == f.node:
            pairs.append((orig[i], f))  # unchanged
            i += 1
        elif is_insertable(f) and not (i < len(orig) and _similar(orig[i], f)):
            inserted.append(f)  # Cache@2, a login, a set-up or rotation step
        elif i < len(orig) and _compatible(orig[i], f):
            pairs.append((orig[i], f))
            i += 1
        elif is_insertable(f):
            inserted.append(f)
        elif i < len(orig):
            problems.append(f"step at line {orig[i].line} ({orig[i].kind}) became an "
                            f"unrelated {f.kind} step at line {f.line}")
            pairs.append((orig[i], f))
            i += 1
        else:
            problems.append(f"unexpected new {f.kind} step at line {f.line}")
    # a Cache@2 moved earlier (LL203) shows as inserted + left over
    left = orig[i:]
    for o in list(left):
        match = next((f for f in inserted if f.task == o.task == "cache@2" and
                      str(f.inputs.get("key")) == str(o.inputs.get("key"))), None)
        if match:
            inserted.remove(match)
            pairs.append((o, match))
            left.remove(o)
    problems += [f"step at line {o.line} ({o.kind}) is gone" for o in left]
    return pairs, inserted, problems


def pair_files(run: RepoRun) -> dict[str, FilePairing]:
    out: dict[str, FilePairing] = {}
    rb, ra = run.repo_before, run.repo_after
    for f in run.changed:
        if f not in rb.docs or f not in ra.docs:
            if f in rb.docs:
                out[f] = FilePairing(f, [], [], [], ["the fixed file no longer parses"])
            continue
        lo, lf = rb.steps(f), ra.steps(f)
        fp = FilePairing(f, [], [], [], [])
        if len(lo) != len(lf):
            fp.problems.append(f"{len(lo)} steps lists became {len(lf)}")
        for so, sf in zip(lo, lf, strict=False):
            pairs, ins, probs = pair_steps(so, sf)
            fp.pairs += pairs
            fp.inserted += ins
            fp.problems += probs
            by_fixed = {id(b.node): a for a, b in pairs}
            prev: Step | None = None
            cur: list[Step] = []
            for s in sf:
                if id(s.node) in by_fixed:
                    if cur:
                        fp.runs.append((prev, cur, s))
                        cur = []
                    prev = s
                elif s in ins:
                    cur.append(s)
            if cur:
                fp.runs.append((prev, cur, None))
        out[f] = fp
    return out


def original_of(run: RepoRun, file: str, fixed: Step) -> Step | None:
    for a, b in run.pairings()[file].pairs:
        if b is fixed:
            return a
    return None


# =========================================================================== check 1
@dataclass
class Region:
    orig: str
    fixed: str
    orig_line: int   # 0-based line in the original script
    fixed_line: int


def changed_regions(orig: str, fixed: str, syntax_ok: Callable[[str], bool]) -> list[Region]:
    """Changed line ranges, grown to whole lines until both sides are complete bash."""
    a, b = orig.split("\n"), fixed.split("\n")
    # elements: ('=', i, j) one equal line pair, or ('~', i1, i2, j1, j2) one changed chunk
    elems: list[tuple[int, int, int, int]] = []
    changed: list[int] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            elems += [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]
        else:
            changed.append(len(elems))
            elems.append((i1, i2, j1, j2))
    spans: list[list[int]] = []
    for c in changed:
        def complete(s: int, e: int) -> bool:
            return syntax_ok("\n".join(a[elems[s][0]:elems[e - 1][1]])) and \
                syntax_ok("\n".join(b[elems[s][2]:elems[e - 1][3]]))

        # the least growth that completes it: downwards first (constructs and continuations
        # close below), then one more line upwards at a time
        s, e = 0, len(elems)
        for up in range(0, min(c, 30) + 1):
            found = next((end for end in range(c + 1, len(elems) + 1) if complete(c - up, end)),
                         None)
            if found is not None:
                s, e = c - up, found
                break
        if spans and s < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], e)
        else:
            spans.append([s, e])
    regions = []
    for s, e in spans:
        regions.append(Region("\n".join(a[elems[s][0]:elems[e - 1][1]]),
                              "\n".join(b[elems[s][2]:elems[e - 1][3]]),
                              elems[s][0], elems[s][2]))
    return regions


def variants(original_script: str) -> list[tuple[str, str, str]]:
    out = []
    preludes = [("set -e", "set -e"), ("no -e", "")]
    if "pipefail" in original_script:
        preludes.append(("set -eo pipefail", "set -eo pipefail"))
    if re.search(r"set\s+-[a-z]*u", original_script):
        preludes.append(("set -eu", "set -eu"))
    for mode in ("FAIL", "OK"):
        for name, prelude in preludes:
            out.append((f"{mode} {name}; REGION; echo AFTER", mode, prelude))
        out.append((f"{mode} REGION as last command:last", mode, ""))
    return out


INSERTABLE_COMMANDS = {"docker", "rm", "mkdir", "sudo"}


def check_shell(run: RepoRun) -> list[Failure]:
    fails: list[Failure] = []
    sb = run.sandbox
    for file, fp in run.pairings().items():
        for p in fp.problems:
            fails.append(Failure("1-shell", run.name, file, 0, "steps: " + p))
        for o, f in fp.pairs:
            so, sf = o.script(), f.script()
            if sf is None or sf[0] != "bash":
                continue
            if so is None:
                if (o.task or "").startswith("docker@"):
                    fails += _task_replacement(run, file, o, f)
                continue
            if so[0] != "bash" or so[1] == sf[1]:
                continue
            for r in changed_regions(so[1], sf[1], sb.syntax_ok):
                line = sf[2] + r.fixed_line
                if not r.orig.strip():
                    fails += _inserted_only(run, file, line, r)
                    continue
                vs = variants(so[1])
                ro = sb.run_variants(r.orig, vs)
                rf = sb.run_variants(r.fixed, vs)
                for name, _, _ in vs:
                    if not ro[name].same(rf[name]):
                        label = name.replace(":last", "")
                        fails.append(Failure(
                            "1-shell", run.name, file, line,
                            f"{label}: original {ro[name].brief()}, fixed {rf[name].brief()}",
                            r.orig, r.fixed))
    return fails


def _inserted_only(run: RepoRun, file: str, line: int, r: Region) -> list[Failure]:
    fails = []
    names = {c.name for c in parse_bash(r.fixed) if c.name}
    odd = names - INSERTABLE_COMMANDS
    if odd:
        fails.append(Failure("1-shell", run.name, file, line,
                             f"inserted lines run {sorted(odd)}, which change the script's "
                             f"state or behaviour (only docker/rm/mkdir lines may be added)",
                             "", r.fixed))
    vs = variants("")
    res = run.sandbox.run_variants(r.fixed, vs)
    for name, _, _ in vs:
        if res[name].status != 0:
            fails.append(Failure("1-shell", run.name, file, line,
                                 f"inserted lines fail: {name.replace(':last', '')}: "
                                 f"{res[name].brief()}", "", r.fixed))
    return fails


def _task_replacement(run: RepoRun, file: str, o: Step, f: Step) -> list[Failure]:
    """A Docker task replaced by a script: the task failed when its build failed."""
    sc = f.script()
    assert sc is not None
    status = run.sandbox.run_steps([sc[1]], "FAIL", forgiving_cd=True)
    if status == 0:
        return [Failure("1-shell", run.name, file, sc[2],
                        f"{o.task} task (line {o.line}) failed when its build failed; "
                        "the script that replaces it succeeds", "", sc[1])]
    return []


# =========================================================================== check 2
ADDED_FLAGS = {"--builder", "--cache-from", "--cache-to", "--load"}


def _builds(shell: str, text: str) -> list[DockerBuild]:
    cmds = parse_bash(text) if shell == "bash" else parse_powershell(text)
    out = []
    for c in cmds:
        d = parse_docker(c)
        if isinstance(d, DockerBuild) and not d.compose:
            out.append(d)
    return out


def subsequence_extras(small: list[str], big: list[str]) -> list[str] | None:
    """Words of ``big`` not used to match ``small`` in order, or None when ``small`` is not a
    subsequence of ``big``."""
    extras, i = [], 0
    for w in big:
        if i < len(small) and w == small[i]:
            i += 1
        else:
            extras.append(w)
    return extras if i == len(small) else None


def stray_words(extras: list[str]) -> list[str]:
    stray, skip = [], False
    for w in extras:
        if skip:
            skip = False
            continue
        flag = w.split("=", 1)[0]
        if flag in ADDED_FLAGS:
            skip = "=" not in w and flag != "--load"
            continue
        stray.append(w)
    return stray


def compare_build(ob: DockerBuild, fb: DockerBuild) -> str | None:
    ow = [w.value for w in ob.command.words]
    fw = [w.value for w in fb.command.words]
    opre = [w for w in ow[:ob.subcommand_index] if w not in ("image", "builder")]
    fpre, oargs, fargs = fw[:fb.subcommand_index], ow[ob.subcommand_index:], \
        fw[fb.subcommand_index:]
    pre_extra = subsequence_extras(opre, fpre)
    if pre_extra is None:
        return f"command {' '.join(opre)!r} became {' '.join(fpre)!r}"
    bad_pre = [w for w in stray_words(pre_extra) if w != "buildx"]
    if bad_pre:
        return f"unexpected words before the build options: {bad_pre}"
    extra = subsequence_extras(oargs, fargs)
    if extra is None:
        missing = [w for w in oargs if w not in fargs]
        return (f"original arguments lost or reordered (missing: {missing})" if missing
                else "original arguments reordered")
    stray = stray_words(extra)
    if stray:
        return f"the fix added words that are not cache/builder flags: {stray}"
    return None


def check_args(run: RepoRun) -> list[Failure]:
    fails: list[Failure] = []
    for file, fp in run.pairings().items():
        for o, f in fp.pairs:
            so, sf = o.script(), f.script()
            if sf is None:
                continue
            if so is None:
                if (o.task or "").startswith("docker@"):
                    fails += _task_args(run, file, o, f)
                continue
            if so[1] == sf[1]:
                continue
            fails += _compose_args(run, file, so, sf)
            bo, bf = _builds(so[0], so[1]), _builds(sf[0], sf[1])
            if len(bo) != len(bf):
                fails.append(Failure("2-args", run.name, file, sf[2],
                                     f"{len(bo)} build commands became {len(bf)}", so[1], sf[1]))
                continue
            for ob, fb in zip(bo, bf, strict=True):
                why = compare_build(ob, fb)
                if why:
                    line = sf[2] + sf[1].count("\n", 0, fb.command.start)
                    fails.append(Failure("2-args", run.name, file, line, why,
                                         so[1][ob.command.start:ob.command.end],
                                         sf[1][fb.command.start:fb.command.end]))
    return fails


# -- compose builds rewritten to bake (LL103) ------------------------------------------------
COMPOSE_GLOBAL_VALUE = {"-f", "--file", "-p", "--project-name", "--profile", "--env-file",
                        "--project-directory", "--ansi", "--parallel", "--progress", "-H",
                        "--host", "-c", "--context", "--log-level", "--tlscacert",
                        "--tlscert", "--tlskey"}
COMPOSE_BUILD_VALUE = {"--build-arg", "--builder", "--ssh", "-m", "--memory", "--progress"}
# compose build flags that a bake rewrite may drop: no effect on a BuildKit build (v1
# flags), or the project name (used only for images without `image:`, which the fix
# refuses)
COMPOSE_DROPPABLE = {"--parallel", "--force-rm", "--rm", "--compress", "-p", "--project-name"}
COMPOSE_DEFAULT_NAMES = {"compose.yaml", "compose.yml", "docker-compose.yml",
                         "docker-compose.yaml"}
BAKE_ADDED_SET = re.compile(r"^[A-Za-z0-9_-]+\.(cache-from|cache-to|context)=")


def _compose_or_bake(shell: str, text: str) -> list[list[str]]:
    """The word values of each compose build and each ``docker buildx bake``, in order."""
    cmds = parse_bash(text) if shell == "bash" else parse_powershell(text)
    out = []
    for c in cmds:
        words = [w.value for w in c.words]
        d = parse_docker(c)
        bake = any(a == "buildx" and b == "bake" for a, b in itertools.pairwise(words))
        if (isinstance(d, DockerBuild) and d.compose) or bake:
            out.append(words)
    return out


def _split_compose(words: list[str]) -> tuple[list[str], list[tuple[str, str | None]],
                                               list[str]] | None:
    """(prefix words, options as (flag, value), positionals) of a compose build or a bake."""
    i = 0
    while i < len(words) and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[i])
                              or words[i] == "sudo"):
        i += 1
    prefix = words[:i]
    tool = words[i].rsplit("/", 1)[-1] if i < len(words) else ""
    if tool == "docker-compose":
        i += 1
    elif tool == "docker" and i + 2 < len(words) and words[i + 1] in ("compose", "buildx"):
        i += 2
        if words[i - 1] == "buildx":
            if words[i] != "bake":
                return None
            i += 1
    else:
        return None
    opts: list[tuple[str, str | None]] = []
    pos: list[str] = []
    bake = "bake" in words[:i]
    verb = bake
    while i < len(words):
        w = words[i]
        i += 1
        if not verb and w == "build":
            verb = True
            continue
        if w.startswith("-") and len(w) > 1:
            flag, eq, value = w.partition("=")
            takes = (flag in {"-f", "--file", "--set", "--builder", "--progress", "--allow",
                              "--call", "--metadata-file", "--provenance", "--sbom"}
                     if bake else flag in (COMPOSE_BUILD_VALUE if verb
                                           else COMPOSE_GLOBAL_VALUE))
            if takes and not eq and i < len(words):
                value, i = words[i], i + 1
            opts.append((flag, value if (takes or eq) else None))
        else:
            pos.append(w)
    return prefix, opts, pos


def compare_compose_bake(ow: list[str], fw: list[str]) -> str | None:
    o, f = _split_compose(ow), _split_compose(fw)
    if o is None or f is None:
        return "a compose build the harness cannot read"
    (opre, oopts, opos), (fpre, fopts, fpos) = o, f
    if opre != fpre:
        return f"the words before the command changed: {opre} became {fpre}"
    if opos != fpos:
        return f"services {opos} became {fpos}"
    ofiles = [v for k, v in oopts if k in ("-f", "--file")]
    ffiles = [v for k, v in fopts if k in ("-f", "--file")]
    if not ofiles and len(ffiles) == 1 and ffiles[0] in COMPOSE_DEFAULT_NAMES:
        ofiles = ffiles  # the file compose found by default, named for bake
    if ofiles != ffiles:
        return f"compose files {ofiles} became {ffiles}"
    want: list[tuple[str, str | None]] = []
    for k, v in oopts:
        if k in ("-f", "--file") or k in COMPOSE_DROPPABLE:
            continue
        if k == "--pull":
            want.append(("--pull", None))
        elif k in ("-q", "--quiet"):
            want.append(("--progress", "quiet"))
        elif k == "--progress":
            want.append(("--progress", v))
        elif k == "--build-arg" and v and "=" in v:
            want.append(("--set", f"*.args.{v}"))
        else:
            return f"compose flag {k} {v or ''} is neither kept nor mapped by the bake rewrite"
    have = [(k, v) for k, v in fopts if k not in ("-f", "--file")]
    for w in want:
        if w not in have:
            return f"{w[0]} {w[1] or ''} missing from the bake command"
        have.remove(w)
    stray = [f"{k} {v or ''}".strip() for k, v in have
             if not (k in ("--builder", "--load")
                     or (k == "--set" and v is not None and BAKE_ADDED_SET.match(v)))]
    if stray:
        return f"the fix added words that are not cache/builder flags: {stray}"
    return None


def _compose_args(run: RepoRun, file: str, so: tuple[str, str, int],
                  sf: tuple[str, str, int]) -> list[Failure]:
    """Check 2 for compose builds: each one is kept as it was or rewritten to bake with
    every compose file, service and flag kept or mapped."""
    co, cf = _compose_or_bake(so[0], so[1]), _compose_or_bake(sf[0], sf[1])
    if len(co) != len(cf):
        return [Failure("2-args", run.name, file, sf[2],
                        f"{len(co)} compose builds became {len(cf)}", so[1], sf[1])]
    fails = []
    for ow, fw in zip(co, cf, strict=True):
        if ow == fw:
            continue
        why = compare_compose_bake(ow, fw)
        if why:
            fails.append(Failure("2-args", run.name, file, sf[2], why, " ".join(ow),
                                 " ".join(fw)))
    return fails


def _task_args(run: RepoRun, file: str, o: Step, f: Step) -> list[Failure]:
    sc = f.script()
    assert sc is not None
    builds = _builds(sc[0], sc[1])
    words = [w.value for b in builds for w in b.command.words]
    inp = o.inputs
    fails = []
    args = str(inp.get("arguments") or "")
    command = str(inp.get("command") or ("buildAndPush" if o.task == "docker@2" else "")).lower()
    if args.strip() and command != "buildandpush":  # buildAndPush ignores `arguments`
        cmds = parse_bash("docker build " + args)
        want = [w.value for w in cmds[0].words[2:]] if cmds else []
        if subsequence_extras(want, words) is None:
            fails.append(f"arguments {args!r} not all kept")
    for key in ("tags", "dockerfile", "buildcontext", "repository", "imagename"):
        for part in re.split(r"[\n,]", str(inp.get(key) or "")):
            part = part.strip()
            if key == "dockerfile" and any(c in part for c in "*?["):
                # the task globs it and takes the first match: a file that matches will do
                pattern = re.escape(part.lstrip("./")).replace(r"\*\*/", "(?:.*/)?") \
                    .replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
                if any(re.fullmatch(pattern, w.lstrip("./")) for w in words):
                    continue
            if key == "tags" and o.task == "docker@2" and not inp.get("repository"):
                continue  # Docker@2 names no image without `repository`: tags unused
            if key == "imagename" and o.task == "docker@2":
                continue  # a Docker@0/1 input that Docker@2 does not have
            low = key == "imagename"  # the task lower-cases the whole name
            if part and not any((part.lower() in w.lower()) if low else (part in w)
                                for w in words):
                fails.append(f"{key} {part!r} is not in the build command")
    return [Failure("2-args", run.name, file, sc[2], f"{o.task} (line {o.line}): {m}", "",
                    sc[1]) for m in fails]


# =========================================================================== check 3
def instantiate_key(key: str, occ: Occurrence) -> str:
    """The key text as the agent would see it in that job instance: template parameters
    substituted, per-job predefined variables and matrix variables expanded."""
    job = occ.job
    text = subst_params(key, occ.params)
    legs = dict(job.leg_vars)
    leg_pos = job.leg or "1"
    per_job = {
        "system.jobname": job.leg or job.job,
        "system.jobdisplayname": f"{job.display} {job.leg or ''}".strip(),
        "agent.jobname": f"{job.display} {job.leg or ''}".strip(),
        "system.phasename": job.job,
        "system.phasedisplayname": job.display,
        "system.stagename": job.stage,
        "system.stagedisplayname": job.stage,
        "system.jobidentifier": job.ident,
        "system.jobid": job.ident,
        "system.jobpositioninphase": leg_pos,
    }

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in legs:
            return legs[name]
        if name.lower() in per_job:
            return per_job[name.lower()]
        return m.group(0)
    return " ".join(re.sub(r"\$\(([\w.\-]+)\)", repl, text).split())


def inserted_cache_ids(run: RepoRun) -> dict[int, Step]:
    return {id(s.node): s for fp in run.pairings().values() for s in fp.inserted
            if s.task == "cache@2"}


def check_keys(run: RepoRun) -> list[Failure]:
    ins = inserted_cache_ids(run)
    groups: dict[tuple[str, str], list[Occurrence]] = {}
    for occ in run.occurrences_after():
        if id(occ.step.node) not in ins:
            continue
        key = str(occ.step.inputs.get("key") or "")
        groups.setdefault((occ.job.pipeline, instantiate_key(key, occ)), []).append(occ)
    fails = []
    for (pipeline, key), occs in groups.items():
        members = {(o.job, o.step.file, o.step.line) for o in occs}
        if len(members) < 2:
            continue
        first = min(occs, key=lambda o: (o.step.file, o.step.line))
        where = "; ".join(sorted(f"job {j.ident or '(top level)'} (step {f}:{ln})"
                                 for j, f, ln in members))
        matrix = any(o.job.leg for o in occs)
        fails.append(Failure(
            "3-keys", run.name, first.step.file, first.step.line,
            f"pipeline {pipeline}: {len(members)} Cache@2 instances share key {key!r}"
            f"{' (matrix/parallel legs)' if matrix else ''}: {where}",
            "", str(first.step.inputs.get("key"))))
    return fails


# =========================================================================== check 4
def check_windows(run: RepoRun) -> list[Failure]:
    ins = inserted_cache_ids(run)
    occs = run.occurrences_after()
    reasons = job_windows_reasons(occs)
    fails = []
    seen: set[int] = set()
    for occ in occs:
        sid = id(occ.step.node)
        if sid in ins and occ.job in reasons and sid not in seen:
            seen.add(sid)
            fails.append(Failure("4-windows", run.name, occ.step.file, occ.step.line,
                                 f"Cache@2 inserted in job {occ.job.ident}, which runs on "
                                 f"Windows/macOS: {reasons[occ.job]}"))
    placed = {id(o.step.node) for o in occs}
    for sid, step in ins.items():   # in a template nobody here calls: judge by its siblings
        if sid in placed or sid in seen:
            continue
        siblings = run.repo_after.steps(step.file)[step.list_index]
        why = next((r for s in siblings if (r := step_says_windows(s))), None)
        if why:
            fails.append(Failure("4-windows", run.name, step.file, step.line,
                                 f"Cache@2 inserted in a steps list that says Windows: {why}"))
    return fails


# =========================================================================== check 5
def _builds_in(step: Step) -> bool:
    if (step.task or "").startswith("docker@"):
        return True
    sc = step.script()
    return bool(sc) and bool(_builds(sc[0], sc[1]) or _compose_or_bake(sc[0], sc[1]))


def check_conditions(run: RepoRun) -> list[Failure]:
    fails = []
    for file, fp in run.pairings().items():
        for before, inserted, after in fp.runs:
            for s in inserted:
                rotation = s.task != "cache@2" and bool(
                    ROTATE_DISPLAY.search(s.display) or re.search(r"\bmv\b.*-new", s.text()))
                owner = before if rotation else after
                if s.task == "cache@2" and (owner is None or not _builds_in(owner)):
                    fails.append(Failure("5-conditions", run.name, file, s.line,
                                         "inserted Cache@2 is not right before a build step"))
                    continue
                if owner is None:
                    continue
                if s.condition != owner.condition:
                    what = "Cache@2" if s.task == "cache@2" else f"inserted {s.kind} step"
                    fails.append(Failure(
                        "5-conditions", run.name, file, s.line,
                        f"{what} has condition {s.condition!r}; the build step at line "
                        f"{owner.line} has {owner.condition!r}"))
                if s.task == "cache@2":
                    fails += _dir_exists(run, file, s, owner, fp)
    return fails


def _dir_exists(run: RepoRun, file: str, cache: Step, build: Step,
                fp: FilePairing) -> list[Failure]:
    """When the build command does not run (an untaken ``if`` branch) or exports nothing,
    the steps that follow the build (its own rotation) must still leave the Cache@2 path in
    place: the post-job save fails the job on a missing path."""
    path = str(cache.inputs.get("path") or "")
    if not path or "${{" in path:
        return []
    sb = run.sandbox
    sb.reset_macros()
    scripts = []
    sc = build.script()
    if sc and sc[0] == "bash":
        scripts.append(sc[1])
    following = next((ins for b, ins, _ in fp.runs if b is build), [])
    scripts += [s.text() for s in following if s.script() and s.script()[0] == "bash"]
    if sb.run_steps(scripts, "NOEXPORT") != 0:
        original = next((o for o, f in fp.pairs if f is build), None)
        osc = original.script() if original is not None else None
        sb.reset_macros()
        if osc is None or osc[0] != "bash" or sb.run_steps([osc[1]], "NOEXPORT") != 0:
            return []  # it failed before too: a failed job saves nothing
        return [Failure("5-conditions", run.name, file, cache.line,
                        f"the build step (line {build.line}) and the steps inserted after it "
                        "fail when the build exports nothing, where the original step "
                        "succeeded")]
    if exists_after_substitution(sb, path):
        return []
    return [Failure("5-conditions", run.name, file, cache.line,
                    f"Cache@2 path {path} does not exist after the build step (line "
                    f"{build.line}) and the steps inserted after it when the build exports "
                    "nothing (skipped branch): the post-job cache save fails the job")]


# =========================================================================== check 6
def expressions(text: str) -> Counter[str]:
    return Counter(re.sub(r"\s+", "", m.group(0)) for m in EXPR.finditer(text))


def check_expressions(run: RepoRun) -> list[Failure]:
    fails = []
    for f in run.changed:
        try:
            old = (run.before / f).read_text(encoding="utf-8-sig")
            new = (run.after / f).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        lost = expressions(old) - expressions(new)
        for expr, n in lost.items():
            pos = next((m.start() for m in EXPR.finditer(old)
                        if re.sub(r"\s+", "", m.group(0)) == expr), 0)
            line = old.count("\n", 0, pos) + 1
            fails.append(Failure("6-expressions", run.name, f, line,
                                 f"{n} occurrence(s) of {expr} lost",
                                 old.split("\n")[line - 1].strip(), ""))
    return fails


# =========================================================================== check 7
def check_idempotent(run: RepoRun) -> list[Failure]:
    fails = []
    for f, (_, diff) in run.second_fix.items():
        first = next((int(m.group(1)) for m in re.finditer(r"^@@ -(\d+)", diff, re.M)), 0)
        body = "\n".join(diff.split("\n")[2:40])
        fails.append(Failure("7-idempotent", run.name, f, first,
                             "a second --fix changes the file again", "", body))
    return fails


# =========================================================================== check 8
def offered(f: dict[str, Any], unsafe: bool) -> bool:
    fix = f.get("fix")
    if not fix:
        return False
    return fix.get("applicability") == "safe" or (unsafe and fix.get("applicability") == "unsafe")


def check_findings(run: RepoRun) -> list[Failure]:
    before = Counter((f["path"], f["code"]) for f in run.findings_before)
    after = Counter((f["path"], f["code"]) for f in run.findings_after)
    fixable = Counter((f["path"], f["code"]) for f in run.findings_before
                      if offered(f, run.unsafe))
    fails = []
    for (path, code), n in sorted(after.items()):
        if n > before[(path, code)]:
            ex = next(f for f in reversed(run.findings_after)
                      if (f["path"], f["code"]) == (path, code))
            fails.append(Failure("8-findings", run.name, path, ex["line"],
                                 f"{code}: {before[(path, code)]} before the fix, {n} after: "
                                 f"new finding, e.g. {ex['message'][:160]}"))
    for (path, code), n in sorted(fixable.items()):
        left = after[(path, code)] - (before[(path, code)] - n)
        if left > 0:
            ex = next(f for f in run.findings_before if (f["path"], f["code"]) == (path, code)
                      and offered(f, run.unsafe))
            fails.append(Failure("8-findings", run.name, path, ex["line"],
                                 f"{code}: {n} finding(s) offered a fix, {left} still reported "
                                 f"after --fix (offered, then not applied)"))
    return fails


# =========================================================================== coverage
@dataclass
class Coverage:
    ll101: int = 0           # LL101 findings outside Windows/macOS jobs
    excluded: int = 0        # LL101 findings in Windows/macOS jobs
    applied: int = 0         # of the counted ones, fixed (gone after --fix)
    offered: int = 0


def coverage(run: RepoRun) -> Coverage:
    occs = run.occurrences_before()
    reasons = job_windows_reasons(occs)
    jobs_of: dict[int, list[JobInstance]] = {}
    for o in occs:
        jobs_of.setdefault(id(o.step.node), []).append(o.job)
    cov = Coverage()
    after = Counter(f["path"] for f in run.findings_after if f["code"] == "LL101")
    counted: Counter[str] = Counter()
    for f in run.findings_before:
        if f["code"] != "LL101":
            continue
        step = step_at(run.repo_before.steps(f["path"]), f["line"])
        jobs = jobs_of.get(id(step.node), []) if step else []
        win = bool(jobs) and all(j in reasons for j in jobs)
        if not win and step is not None and not jobs:
            win = step_says_windows(step) is not None
        if win:
            cov.excluded += 1
            continue
        cov.ll101 += 1
        counted[f["path"]] += 1
        cov.offered += offered(f, run.unsafe)
    before = Counter(f["path"] for f in run.findings_before if f["code"] == "LL101")
    for path, n in counted.items():
        cov.applied += min(n, max(0, before[path] - after[path]))
    return cov


CHECKS: dict[str, Callable[[RepoRun], list[Failure]]] = {
    "1-shell": check_shell,
    "2-args": check_args,
    "3-keys": check_keys,
    "4-windows": check_windows,
    "5-conditions": check_conditions,
    "6-expressions": check_expressions,
    "7-idempotent": check_idempotent,
    "8-findings": check_findings,
}


# =========================================================================== task coverage
TASK_CODES = ("LL102", "LL103")


@dataclass
class TaskCoverage:
    """LL102/LL103 findings (issue 12): how many a ``--fix`` run removed, and why the rest
    had no fix (the finding's ``no_fix``, or "offered, not applied")."""

    total: int = 0
    applied: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


def task_coverage(run: RepoRun) -> TaskCoverage:
    cov = TaskCoverage()
    before = Counter((f["path"], f["code"]) for f in run.findings_before
                     if f["code"] in TASK_CODES)
    after = Counter((f["path"], f["code"]) for f in run.findings_after
                    if f["code"] in TASK_CODES)
    for key, n in before.items():
        cov.total += n
        cov.applied += max(0, n - after[key])
    for f in run.findings_before:
        if f["code"] in TASK_CODES and not offered(f, run.unsafe):
            cov.reasons[f"{f['code']}: {f.get('no_fix') or 'no fix'}"] += 1
    return cov
