"""An independent, small model of Azure Pipelines YAML for the fix-safety checks.

It knows: where steps lists are (jobs, deployment hooks, top-level ``steps``, steps templates,
step lists passed as template parameters), what a step runs (script text and shell, task name
and inputs, condition), and how a pipeline expands into job instances (stages, jobs, matrix and
``parallel`` legs, jobs/stages/steps templates with their callers' parameters, ``extends``).
Template expressions other than ``${{ parameters.x }}`` substitution are not evaluated:
``${{ if }}``/``${{ each }}`` blocks are entered as if taken, once.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

STEP_KEYS = ("script", "bash", "pwsh", "powershell", "task", "template", "checkout",
             "download", "publish", "getPackage", "reviewApp", "downloadBuild", "restoreCache",
             "saveCache")
PARAM_REF = re.compile(r"\$\{\{\s*parameters\.([A-Za-z_][\w\-]*)\s*\}\}")
EXPR = re.compile(r"\$\{\{.*?\}\}", re.S)
MAX_DEPTH = 10
PIPELINE_HINT = re.compile(
    r"^\s*(-\s+)?(steps|jobs|stages|extends|phases|script|bash|pwsh|powershell|task|template"
    r"|job|stage|deployment)\s*:", re.M)


def load_yaml(text: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    return yaml.load(io.StringIO(text))


def lower_keys(m: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in m.items()} if isinstance(m, dict) else {}


def norm_space(v: Any) -> str | None:
    return None if v is None else " ".join(str(v).split())


# --------------------------------------------------------------------------- steps
@dataclass(eq=False)
class Step:
    file: str
    node: CommentedMap
    line: int          # 1-based line of the step's first key
    list_index: int    # which steps list of the file (document order)
    position: int      # position in the flattened list

    @property
    def kind(self) -> str:
        for k in STEP_KEYS:
            if k in self.node:
                return k
        return "?"

    @property
    def task(self) -> str | None:
        """``cache@2`` style name: lower case, major version only."""
        t = self.node.get("task")
        if t is None:
            return None
        name, _, ver = str(t).strip().partition("@")
        return f"{name.lower()}@{ver.split('.')[0]}" if ver else name.lower()

    @property
    def inputs(self) -> dict[str, Any]:
        return lower_keys(self.node.get("inputs"))

    @property
    def condition(self) -> str | None:
        return norm_space(self.node.get("condition"))

    @property
    def display(self) -> str:
        return str(self.node.get("displayName") or "")

    def script(self) -> tuple[str, str, int] | None:
        """(shell, text, 1-based line of the text's first line) of an inline script."""
        node, key = self.node, None
        if "script" in node or "bash" in node:
            key, shell, owner = ("script" if "script" in node else "bash"), "bash", node
        elif "pwsh" in node or "powershell" in node:
            key, shell, owner = ("pwsh" if "pwsh" in node else "powershell"), "pwsh", node
        else:
            task, inp = self.task, self.inputs
            owner = node.get("inputs")
            inline = str(inp.get("targettype", "filepath")).lower() == "inline"
            if (task in ("bash@3", "bash@2", "bash@1") and inline) or task in ("cmdline@2",
                                                                            "cmdline@1"):
                key, shell = _real_key(owner, "script"), "bash"
            elif task in ("powershell@2", "azurepowershell@5", "azurepowershell@4") and str(
                    inp.get("targettype", "filepath")).lower() == "inline":
                key, shell = _real_key(owner, "script") or _real_key(owner, "inline"), "pwsh"
            elif task in ("azurecli@2", "azurecli@1") and str(
                    inp.get("scriptlocation", "")).lower() == "inlinescript":
                st = str(inp.get("scripttype", "")).lower()
                shell = "bash" if st in ("bash", "sh") else "pwsh"
                key = _real_key(owner, "inlineScript")
            else:
                return None
        if key is None or not isinstance(owner, CommentedMap) or owner.get(key) is None:
            return None
        value = owner[key]
        line = owner.lc.value(key)[0] + 1
        if isinstance(value, (LiteralScalarString, FoldedScalarString)):
            line += 1
        return shell, str(value), line

    def text(self) -> str:
        s = self.script()
        return s[1] if s else ""


def _real_key(m: Any, want: str) -> str | None:
    if not isinstance(m, dict):
        return None
    return next((str(k) for k in m if str(k).lower() == want.lower()), None)


def is_step(node: Any) -> bool:
    return isinstance(node, CommentedMap) and any(k in node for k in STEP_KEYS)


def flatten_items(seq: Any) -> Iterator[Any]:
    """Items of a list, entering ``- ${{ if ... }}:`` / ``${{ each }}`` blocks."""
    if not isinstance(seq, list):
        return
    for item in seq:
        if isinstance(item, dict) and item and all(str(k).startswith("${{") for k in item):
            for v in item.values():
                yield from flatten_items(v)
        else:
            yield item


def steps_lists(doc: Any) -> list[list[Any]]:
    """Every steps list of a document, in document order: values of ``steps:`` keys, a
    top-level bare list of steps, and lists of steps passed as parameter values."""
    out: list[list[Any]] = []

    def looks_like_steps(v: Any) -> bool:
        items = list(flatten_items(v))
        return bool(items) and all(is_step(i) for i in items)

    def walk(node: Any, key: str | None) -> None:
        if isinstance(node, list):
            if (key == "steps" or (key is not None and key != "jobs" and key != "stages"
                                   and looks_like_steps(node))):
                out.append(node)
                for item in flatten_items(node):
                    # a step's own parameters can hold more step lists
                    if isinstance(item, dict):
                        for k, v in item.items():
                            walk(v, str(k))
                return
            for item in node:
                walk(item, None)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))

    if isinstance(doc, list) and looks_like_steps(doc):
        out.append(doc)
    else:
        walk(doc, None)
    return out


def file_steps(rel: str, doc: Any) -> list[list[Step]]:
    lists = []
    for li, seq in enumerate(steps_lists(doc)):
        steps = []
        for pos, item in enumerate(i for i in flatten_items(seq) if is_step(i)):
            steps.append(Step(rel, item, item.lc.line + 1, li, pos))
        lists.append(steps)
    return lists


def step_at(lists: list[list[Step]], line: int) -> Step | None:
    """The step whose text holds ``line`` (1-based): the last step starting at or before it."""
    best = None
    for steps in lists:
        for s in steps:
            if s.line <= line and (best is None or s.line > best.line):
                best = s
    return best


# --------------------------------------------------------------------------- jobs
WIN_IMAGE = re.compile(r"^(windows|win)|vs20\d\d|-win20\d\d|windows", re.I)
MAC_IMAGE = re.compile(r"^macos|\bmacos\b|\bmac\b", re.I)


@dataclass(frozen=True)
class JobInstance:
    pipeline: str            # root file the instance was expanded from
    stage: str
    job: str
    leg: str | None
    leg_vars: tuple[tuple[str, str], ...] = ()
    pool: str = ""           # vmImage or pool name as written (resolved where possible)
    pool_os: str | None = None  # 'windows' / 'macos' / None, from the pool
    display: str = ""

    @property
    def ident(self) -> str:
        return ".".join(x for x in (self.stage, self.job, self.leg) if x)


@dataclass
class Occurrence:
    step: Step
    job: JobInstance
    params: dict[str, Any] = field(default_factory=dict)


def pool_os(pool: Any, params: dict[str, Any],
            leg_vars: dict[str, str]) -> tuple[str, str | None]:
    """(pool text, 'windows'/'macos'/None) of a ``pool:`` value."""
    if pool is None:
        return "", None
    if isinstance(pool, dict):
        p = lower_keys(pool)
        text = str(p.get("vmimage") or p.get("name") or "")
        demands = p.get("demands")
        dtext = " ".join(map(str, demands)) if isinstance(demands, list) else str(demands or "")
        if re.search(r"agent\.os\s*-equals\s*windows", dtext, re.I):
            return text, "windows"
    else:
        text = str(pool)
    text = subst_params(text, params)
    text = re.sub(r"\$\(([\w.]+)\)", lambda m: leg_vars.get(m.group(1), m.group(0)), text)
    if WIN_IMAGE.search(text):
        return text, "windows"
    if MAC_IMAGE.search(text):
        return text, "macos"
    return text, None


def subst_params(text: str, params: dict[str, Any]) -> str:
    def repl(m: re.Match[str]) -> str:
        v = params.get(m.group(1))
        if v is None or isinstance(v, (dict, list)):
            return m.group(0)
        return str(v)
    return PARAM_REF.sub(repl, text)


def template_params(doc: Any) -> dict[str, Any]:
    """Defaults declared by a template's ``parameters:`` (list or map form)."""
    out: dict[str, Any] = {}
    decl = doc.get("parameters") if isinstance(doc, dict) else None
    if isinstance(decl, list):
        for p in decl:
            if isinstance(p, dict) and "name" in p and "default" in p:
                out[str(p["name"])] = p["default"]
    elif isinstance(decl, dict):
        out.update({str(k): v for k, v in decl.items()})
    return out


class LazyDocs(dict[str, Any]):
    """File -> parsed YAML, parsed on first use (most YAML in a checkout is never needed)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.paths: dict[str, Path] = {}
        self.texts: dict[str, str] = {}
        self.failed: set[str] = set()
        for p in sorted(root.rglob("*")):
            if p.suffix.lower() in (".yml", ".yaml") and ".git" not in p.parts and p.is_file():
                self.paths[p.relative_to(root).as_posix()] = p

    def _load(self, rel: str) -> bool:
        if dict.__contains__(self, rel):
            return True
        if rel in self.failed or rel not in self.paths:
            return False
        try:
            text = self.paths[rel].read_text(encoding="utf-8-sig")
            if not PIPELINE_HINT.search(text):
                raise ValueError("not a pipeline")  # lock files, manifests: often large
            self.texts[rel] = text
            dict.__setitem__(self, rel, load_yaml(text))
            return True
        except Exception:
            self.failed.add(rel)
            return False

    def __contains__(self, rel: object) -> bool:
        return isinstance(rel, str) and self._load(rel)

    def __getitem__(self, rel: str) -> Any:
        if not self._load(rel):
            raise KeyError(rel)
        return dict.__getitem__(self, rel)

    def get(self, rel: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, rel, default) if self._load(rel) else default

    def all(self) -> list[tuple[str, Any]]:
        return [(rel, self[rel]) for rel in self.paths if rel in self]


class Repo:
    """The YAML files of a checkout, parsed on demand; template references resolved."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs = LazyDocs(root)
        self._steps: dict[str, list[list[Step]]] = {}
        self._origins: dict[int, tuple[str, dict[str, Any]]] = {}

    def steps(self, rel: str) -> list[list[Step]]:
        if rel not in self._steps:
            self._steps[rel] = file_steps(rel, self.docs.get(rel))
        return self._steps[rel]

    def step_index(self, rel: str) -> dict[int, Step]:
        return {id(s.node): s for lst in self.steps(rel) for s in lst}

    def resolve(self, ref: str, from_file: str, params: dict[str, Any]) -> str | None:
        ref = subst_params(str(ref).strip(), params)
        if "${{" in ref or "$(" in ref:
            return None
        if "@" in ref:
            ref, _, alias = ref.rpartition("@")
            if alias != "self":
                return None
        ref = ref.replace("\\", "/")
        base = Path() if ref.startswith("/") else Path(from_file).parent
        parts: list[str] = []
        for part in (base / ref.lstrip("/")).as_posix().split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            else:
                parts.append(part)
        rel = "/".join(parts)
        return rel if rel in self.docs else None

    def referenced(self) -> set[str]:
        out: set[str] = set()

        def walk(node: Any, rel: str) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    if str(k) == "template" and isinstance(v, str):
                        r = self.resolve(v, rel, {})
                        if r:
                            out.add(r)
                    walk(v, rel)
            elif isinstance(node, list):
                for i in node:
                    walk(i, rel)
        for rel, doc in self.docs.all():
            walk(doc, rel)
        return out

    def roots(self) -> list[str]:
        refd = self.referenced()
        out = []
        for rel, doc in self.docs.all():
            if rel in refd:
                continue
            top = ("steps", "jobs", "stages", "extends", "phases")
            if (isinstance(doc, dict) and any(k in doc for k in top)) or (
                    isinstance(doc, list) and steps_lists(doc)):
                out.append(rel)
        return out

    # -- expansion -----------------------------------------------------------------------
    def occurrences(self) -> list[Occurrence]:
        """Every step of every root pipeline, with the job instance it runs in."""
        out: list[Occurrence] = []
        for root in self.roots():
            self._expand_file(root, root, {}, "", None, out, 0)
        return out

    def _expand_file(self, rel: str, root: str, params: dict[str, Any], stage: str,
                     job: JobInstance | None, out: list[Occurrence], depth: int,
                     pool: Any = None) -> None:
        doc = self.docs.get(rel)
        if depth > MAX_DEPTH or doc is None:
            return
        p = {**template_params(doc), **params}
        if isinstance(doc, list):
            self._expand_steps(doc, rel, root, p, job or self._default_job(root, stage, None, p),
                               out, depth)
            return
        if not isinstance(doc, dict):
            return
        pool = doc.get("pool", pool)
        if "extends" in doc and isinstance(doc["extends"], dict):
            ext = doc["extends"]
            target = self.resolve(str(ext.get("template", "")), rel, p)
            eparams = ext.get("parameters") or {}
            if target:
                self._expand_file(target, root, self._bind(eparams, p, rel), stage, job, out,
                                  depth + 1, pool)
            else:  # the template is elsewhere: its step lists still run somewhere
                for lst in steps_lists(eparams):
                    self._expand_steps(lst, rel, root, p,
                                       self._default_job(root, "extends", None, p), out, depth)
        if "stages" in doc:
            self._expand_stages(doc["stages"], rel, root, p, out, depth, pool)
        if "jobs" in doc or "phases" in doc:
            self._expand_jobs(doc.get("jobs") or doc.get("phases"), rel, root, p, stage, out,
                              depth, pool)
        if "steps" in doc:
            legs = [job] if job else self._job_from(doc, root, stage, p, pool, "__job__")
            for leg in legs:
                self._expand_steps(doc["steps"], rel, root, p, leg, out, depth)

    def _bind(self, given: Any, outer: dict[str, Any], rel: str) -> dict[str, Any]:
        """A template reference's parameters, with the caller's own parameters substituted;
        list values remember the file they are written in (steps passed as parameters are
        steps of that file)."""
        if not isinstance(given, dict):
            return {}
        out: dict[str, Any] = {}
        for k, v in given.items():
            if isinstance(v, str):
                m = PARAM_REF.fullmatch(v.strip())
                if m and isinstance(outer.get(m.group(1)), (list, dict)):
                    v = outer[m.group(1)]
                else:
                    v = subst_params(v, outer)
            elif isinstance(v, list) and id(v) not in self._origins:
                self._origins[id(v)] = (rel, outer)
            out[str(k)] = v
        return out

    def _default_job(self, root: str, stage: str, leg: str | None,
                     params: dict[str, Any]) -> JobInstance:
        return JobInstance(root, stage, "__job__", leg)

    def _job_from(self, node: dict[str, Any], root: str, stage: str, params: dict[str, Any],
                  inherited_pool: Any, default_name: str) -> list[JobInstance]:
        name = subst_params(str(node.get("job") or node.get("deployment") or node.get("phase")
                                or default_name), params)
        display = subst_params(str(node.get("displayName") or name), params)
        pool = node.get("pool", inherited_pool)
        strategy = node.get("strategy") if isinstance(node.get("strategy"), dict) else {}
        legs: list[tuple[str | None, dict[str, str]]] = [(None, {})]
        matrix = strategy.get("matrix") if strategy else None
        parallel = strategy.get("parallel") if strategy else None
        if isinstance(matrix, str) and "parameters." in matrix:
            m = PARAM_REF.search(matrix)
            matrix = params.get(m.group(1)) if m else matrix
        if isinstance(matrix, dict) and matrix:
            legs = [(str(k), {str(a): str(b) for a, b in (v or {}).items()}
                     if isinstance(v, dict) else {}) for k, v in matrix.items()]
        elif matrix is not None:   # a runtime or unknown matrix: legs exist, names unknown
            legs = [("?leg1", {}), ("?leg2", {})]
        elif parallel is not None:
            try:
                n = max(2, int(str(subst_params(str(parallel), params))))
            except ValueError:
                n = 2
            legs = [(f"Job{i}", {}) for i in range(1, n + 1)]
        out = []
        for leg, lv in legs:
            ptext, pos = pool_os(pool, params, lv)
            out.append(JobInstance(root, stage, name, leg, tuple(sorted(lv.items())), ptext,
                                   pos, display))
        return out

    def _expand_stages(self, stages: Any, rel: str, root: str, params: dict[str, Any],
                       out: list[Occurrence], depth: int, pool: Any) -> None:
        if isinstance(stages, str):
            m = PARAM_REF.fullmatch(stages.strip())
            stages = params.get(m.group(1)) if m else None
        for item in flatten_items(stages):
            if isinstance(item, str):
                m = PARAM_REF.fullmatch(item.strip())
                if m:
                    self._expand_stages(params.get(m.group(1)), rel, root, params, out, depth,
                                        pool)
                continue
            if not isinstance(item, dict):
                continue
            if "template" in item:
                t = self.resolve(str(item["template"]), rel, params)
                if t:
                    self._expand_file(t, root, self._bind(item.get("parameters"), params, rel), "",
                                      None, out, depth + 1, pool)
                continue
            name = subst_params(str(item.get("stage", "")), params)
            self._expand_jobs(item.get("jobs"), rel, root, params, name, out, depth,
                              item.get("pool", pool))

    def _expand_jobs(self, jobs: Any, rel: str, root: str, params: dict[str, Any], stage: str,
                     out: list[Occurrence], depth: int, pool: Any) -> None:
        if isinstance(jobs, str):
            m = PARAM_REF.fullmatch(jobs.strip())
            jobs = params.get(m.group(1)) if m else None
        for item in flatten_items(jobs):
            if isinstance(item, str):
                m = PARAM_REF.fullmatch(item.strip())
                if m:
                    self._expand_jobs(params.get(m.group(1)), rel, root, params, stage, out,
                                      depth, pool)
                continue
            if not isinstance(item, dict):
                continue
            if "template" in item:
                t = self.resolve(str(item["template"]), rel, params)
                if t:
                    bound = self._bind(item.get("parameters"), params, rel)
                    self._expand_file(t, root, bound, stage, None, out, depth + 1, pool)
                continue
            for leg in self._job_from(item, root, stage, params, pool, "__job__"):
                for lst in _job_step_lists(item):
                    self._expand_steps(lst, rel, root, params, leg, out, depth)

    def _expand_steps(self, seq: Any, rel: str, root: str, params: dict[str, Any],
                      job: JobInstance, out: list[Occurrence], depth: int) -> None:
        if isinstance(seq, str):
            m = PARAM_REF.fullmatch(seq.strip())
            val = params.get(m.group(1)) if m else None
            if isinstance(val, list):
                src = self._origins.get(id(val)) or (rel, params)
                self._expand_steps(val, src[0], root, src[1], job, out, depth + 1)
            return
        index = self.step_index(rel)
        for item in flatten_items(seq):
            if isinstance(item, str):
                m = PARAM_REF.fullmatch(item.strip())
                if m:   # steps passed in as a parameter: they are steps of the caller's file
                    val = params.get(m.group(1))
                    src = self._origins.get(id(val)) or (rel, params)
                    if isinstance(val, list):
                        self._expand_steps(val, src[0], root, src[1], job, out, depth)
                continue
            if not isinstance(item, dict):
                continue
            if "template" in item and len([k for k in item if k in STEP_KEYS]) == 1:
                t = self.resolve(str(item["template"]), rel, params)
                if t:
                    bound = self._bind(item.get("parameters"), params, rel)
                    self._expand_file(t, root, bound, job.stage, job, out, depth + 1)
                continue
            step = index.get(id(item))
            if step is not None:
                out.append(Occurrence(step, job, params))


def _job_step_lists(job: dict[str, Any]) -> Iterator[Any]:
    if "steps" in job:
        yield job["steps"]
    strategy = job.get("strategy")
    if "deployment" in job and isinstance(strategy, dict):
        for s in strategy.values():
            if not isinstance(s, dict):
                continue
            for hook, h in s.items():
                if hook == "on" and isinstance(h, dict):
                    for hh in h.values():
                        if isinstance(hh, dict) and "steps" in hh:
                            yield hh["steps"]
                elif isinstance(h, dict) and "steps" in h:
                    yield h["steps"]


# --------------------------------------------------------------------------- windows
def step_says_windows(step: Step) -> str | None:
    node, inp = step.node, step.inputs
    if str(inp.get("scripttype", "")).lower() in ("ps", "batch"):
        return f"scriptType: {inp.get('scripttype')}"
    text = step.text() + " " + " ".join(str(v) for v in inp.values() if isinstance(v, str))
    if re.search(r"--isolation\b", text):
        return "--isolation"
    if re.search(r"windows/(amd64|arm64|386)", text, re.I):
        return "windows/amd64 platform"
    if re.search(r"Windows_NT", str(node.get("condition") or "")):
        return "condition on Agent.OS Windows_NT"
    return None


def job_windows_reasons(occs: list[Occurrence]) -> dict[JobInstance, str]:
    """Job instances that run on Windows or macOS, with the reason."""
    by_job: dict[JobInstance, list[Step]] = {}
    for o in occs:
        by_job.setdefault(o.job, []).append(o.step)
    out: dict[JobInstance, str] = {}
    for job, steps in by_job.items():
        if job.pool_os:
            out[job] = f"pool {job.pool!r} is {job.pool_os}"
            continue
        for s in steps:
            r = step_says_windows(s)
            if r:
                out[job] = f"step at line {s.line} says Windows ({r})"
                break
        else:
            kinds = [s.kind for s in steps if s.kind in ("script", "bash", "pwsh", "powershell")
                     or (s.task or "").startswith(("bash@", "powershell@"))]
            ps_only = kinds and all(k == "powershell" or k == "task" for k in kinds) and any(
                k == "powershell" for k in kinds)
            if ps_only and not any((s.task or "").startswith("bash@") for s in steps):
                out[job] = "only Windows PowerShell steps"
    return out
