"""Build the pipeline model of one file: every job and every step wherever Azure allows
steps, with templates in the repository expanded in their callers' scope.

Where steps live (azure-pipelines.md section 4): top-level ``steps``; ``jobs[]``;
``stages[].jobs[]``; deployment jobs' ``strategy.{runOnce,rolling,canary}`` hooks
(``preDeploy``, ``deploy``, ``routeTraffic``, ``postRouteTraffic``, ``on.failure``,
``on.success``), all hooks of one deployment forming one job; ``- template:`` references in
any of those lists and ``extends:``; ``${{ if }}``/``${{ each }}`` insertions; and step
lists passed as template parameters, which stay steps of the file they are written in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from layerlint._lazyre import lazy_re
from layerlint.document import Document, DocumentError, Node
from layerlint.pipeline.model import HOSTED, OS, STEP_KINDS, Job, LoadProblem, Pipeline, Pool, Step
from layerlint.pipeline.scope import (
    Bound,
    Origin,
    Scope,
    get,
    is_unknown,
    mapping_items,
    sequence_items,
)

MAX_TEMPLATE_DEPTH = 20  # Azure's own nesting limit (templates.md)
HOOKS = ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic")
DocLoader = Callable[[Path], "Document | DocumentError"]
_Visit = Callable[[Node, Scope, Pool, dict[str, str]], None]
# Hosted image names (rules.md, "No fix on Windows or macOS jobs"): ``windows-2022``,
# ``win1803``, ``vs2017-win2016``, ``vs2015-win2012r2``, ``*-win2019``; ``macOS-14``.
_WINDOWS = lazy_re(__name__, "_WINDOWS", r"^\s*(windows|win)|(^|[^a-z])vs20\d\d|-win(dows)?\d",
                   re.I)
_MAC = lazy_re(__name__, "_MAC", r"^\s*mac", re.I)


def _hosted_os(image: str) -> OS:
    """The OS of a hosted image name. ASCII names that hold none of the letters the
    patterns need (most: ``ubuntu-latest``) are Linux without compiling them; the patterns
    decide the rest (with ``re.I`` they also match non-ASCII case variants)."""
    low = image.lower()
    if image.isascii() and "win" not in low and "vs20" not in low and "mac" not in low:
        return "linux"
    return "windows" if _WINDOWS.search(image) else "macos" if _MAC.match(image) else "linux"
# A self-hosted pool whose name says Windows (``Windows-Agents``, ``win-2019``,
# ``BuildWin``): "win" as a word or word start, not inside "darwin" or "twin".
_NAMED_WINDOWS = lazy_re(__name__, "_NAMED_WINDOWS",
                         r"(^|[^a-z])win(dows)?([^a-z]|$)|windows|(^|[^a-z])vs20\d\d", re.I)
_NAMED_LINUX = lazy_re(__name__, "_NAMED_LINUX", r"linux|ubuntu|debian|centos|rhel|alpine", re.I)
_NAMED_MAC = lazy_re(__name__, "_NAMED_MAC", r"(^|[^a-z])(mac|macos|osx|darwin)([^a-z]|$)", re.I)


class Loader:
    """Expands one root file. ``load_doc`` is shared across files so a template used by many
    pipelines is parsed once."""

    def __init__(self, repo_root: Path, load_doc: DocLoader,
                 template_repos: dict[str, Path] | None = None) -> None:
        self.root = repo_root
        self.load_doc = load_doc
        self.template_repos = template_repos or {}
        self.pipeline = Pipeline()
        self._visited: set[int] = set()  # stage, job and step nodes placed in a job
        self._stepish_params: list[tuple[Node, Scope]] = []
        self._reported: set[tuple[str, int]] = set()

    # -- entry -------------------------------------------------------------------------
    def load(self, doc: Document) -> Pipeline:
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        scope = Scope(doc, _defaults(doc.root, Scope(doc)))
        if isinstance(doc.root, MappingNode):
            self._container(doc.root, scope, HOSTED, {}, "pipeline")
        elif isinstance(doc.root, SequenceNode):
            self._fragment(doc.root, scope)
        self._orphan_step_params()
        return self.pipeline

    def _fragment(self, node: Node, scope: Scope) -> None:
        """A bare list (old-style fragment): steps, jobs or stages, judged by its items."""
        items = list(sequence_items(node, scope))
        keys = {k for n, s, _ in items for k, _, _ in mapping_items(n, s)}
        if keys & {"stage"}:
            for n, s, _ in items:
                self._stage(n, s, HOSTED, {})
        elif keys & {"job", "deployment"}:
            for n, s, _ in items:
                self._job(n, s, HOSTED, {})
        else:
            self._new_job("steps", node, scope, HOSTED, {}, node)

    # -- structure ---------------------------------------------------------------------
    def _container(self, node: Node, scope: Scope, pool: Pool, variables: dict[str, str],
                   name: str) -> None:
        """A pipeline root, an extends template, or a stages/jobs/steps template root."""
        variables = {**variables, **self._variables(get(node, "variables", scope))}
        pool = self._pool(get(node, "pool", scope) or get(node, "queue", scope), pool)
        found = get(node, "stages", scope)
        if found:
            for item, s, _ in sequence_items(*found):
                self._stage(item, s, pool, variables)
        for key in ("jobs", "phases"):  # phases: the 2018 name of jobs
            found = get(node, key, scope)
            if found:
                for item, s, _ in sequence_items(*found):
                    self._job(item, s, pool, variables)
        found = get(node, "steps", scope)
        if found:
            self._new_job(name, node, scope, pool, variables, found[0], found[1])
        found = get(node, "extends", scope)
        if found:
            target = self._template(found[0], found[1])
            if target is not None:
                tnode, tscope = target
                self._container(tnode, tscope, pool, variables, "extends")

    def _stage(self, node: Node, scope: Scope, pool: Pool, variables: dict[str, str]) -> None:
        self._visited.add(id(node))
        if get(node, "template", scope) and not get(node, "stage", scope):
            self._template_items(node, scope, "stages", self._stage, pool, variables)
            return
        variables = {**variables, **self._variables(get(node, "variables", scope))}
        pool = self._pool(get(node, "pool", scope), pool)
        found = get(node, "jobs", scope)
        if found:
            for item, s, _ in sequence_items(*found):
                self._job(item, s, pool, variables)

    def _job(self, node: Node, scope: Scope, pool: Pool, variables: dict[str, str]) -> None:
        self._visited.add(id(node))
        if get(node, "template", scope) and not (
            get(node, "job", scope) or get(node, "deployment", scope) or get(node, "phase", scope)
        ):
            self._template_items(node, scope, "jobs", self._job, pool, variables)
            return
        variables = {**variables, **self._variables(get(node, "variables", scope))}
        pool = self._pool(get(node, "pool", scope) or get(node, "queue", scope), pool)
        name = scope.text((get(node, "job", scope) or get(node, "deployment", scope)
                           or get(node, "phase", scope) or (None,))[0])
        if get(node, "deployment", scope):
            job = Job(name or "deployment", Origin(scope.doc, node), pool, variables,
                      deployment=True)
            strategy = get(node, "strategy", scope)
            if strategy:
                for _, hooks, hscope in mapping_items(*strategy):
                    for hook in HOOKS:
                        self._hook(job, get(hooks, hook, hscope), hook, pool)
                    on = get(hooks, "on", hscope)
                    if on:
                        for hook in ("failure", "success"):
                            self._hook(job, get(on[0], hook, on[1]), f"on.{hook}", pool)
            self.pipeline.jobs.append(job)
            return
        found = get(node, "steps", scope)
        if found:
            self._new_job(name or "job", node, scope, pool, variables, *found)
            strategy = get(node, "strategy", scope)
            if strategy and (get(strategy[0], "matrix", strategy[1])
                             or get(strategy[0], "parallel", strategy[1])):
                self.pipeline.jobs[-1].legs = True

    def _template_items(self, ref: Node, scope: Scope, key: str, visit: _Visit, pool: Pool,
                        variables: dict[str, str]) -> None:
        """A stages or jobs template reference: visit each item of the template's list."""
        target = self._template(ref, scope)
        found = get(target[0], key, target[1]) if target is not None else None
        if found:
            for item, s, _ in sequence_items(*found):
                visit(item, s, pool, variables)

    def _hook(self, job: Job, found: tuple[Node, Scope] | None, hook: str, pool: Pool) -> None:
        if not found:
            return
        hpool = self._pool(get(found[0], "pool", found[1]), pool)
        if hook == "deploy" or not job.steps:
            job.pool = hpool
        steps = get(found[0], "steps", found[1])
        if steps:
            job.steps.extend(self._steps(*steps, hook=hook))

    def _new_job(self, name: str, node: Node, scope: Scope, pool: Pool,
                 variables: dict[str, str], steps_node: Node,
                 steps_scope: Scope | None = None) -> None:
        job = Job(name, Origin(scope.doc, node), pool, variables)
        job.steps = self._steps(steps_node, steps_scope or scope)
        self.pipeline.jobs.append(job)

    def _steps(self, node: Node, scope: Scope, hook: str | None = None,
               conditional: bool = False, depth: int = 0) -> list[Step]:
        out: list[Step] = []
        for item, s, cond in sequence_items(node, scope):
            keys = [k for k, _, _ in mapping_items(item, s)]
            kind = next((k for k in keys if k in STEP_KINDS), None)
            if kind is None:
                continue
            if kind == "template":
                target = self._template(item, s)
                if target is not None and depth < MAX_TEMPLATE_DEPTH:
                    tnode, tscope = target
                    found = get(tnode, "steps", tscope)
                    if found:
                        out.extend(self._steps(*found, hook, cond or conditional, depth + 1))
                continue
            self._visited.add(id(item))
            if _disabled(item, s):
                continue
            out.append(Step(item, s, kind, cond or conditional, hook))
        return out

    # -- values ------------------------------------------------------------------------
    def _variables(self, found: tuple[Node, Scope] | None, depth: int = 0) -> dict[str, str]:
        from ruamel.yaml.nodes import MappingNode

        out: dict[str, str] = {}
        if not found:
            return out
        node, scope = found[1].resolve(found[0])
        if isinstance(node, MappingNode):
            for key, value, s in mapping_items(node, scope):
                text = s.text(value)
                if text is not None:
                    out[key.lower()] = text
            return out
        for item, s, _ in sequence_items(node, scope):
            name = s.text((get(item, "name", s) or (None,))[0])
            if name is not None:
                out[name.lower()] = s.text((get(item, "value", s) or (None,))[0]) or ""
            elif get(item, "template", s) and depth < MAX_TEMPLATE_DEPTH:
                target = self._template(item, s)
                if target is not None:
                    out.update(self._variables(get(target[0], "variables", target[1]),
                                               depth + 1))
        return out

    def _pool(self, found: tuple[Node, Scope] | None, inherited: Pool) -> Pool:
        from ruamel.yaml.nodes import MappingNode

        if not found:
            return inherited
        node, scope = found[1].resolve(found[0])
        if not isinstance(node, MappingNode):
            name = scope.text(node)
            if name is None or is_unknown(name):
                return Pool(hosted=True, known=False)
            return _named_pool(name)
        image = scope.text((get(node, "vmImage", scope) or (None,))[0])
        name = scope.text((get(node, "name", scope) or (None,))[0])
        if image is not None:
            if is_unknown(image):
                return Pool(hosted=True, known=False)
            return Pool(hosted=True, os=_hosted_os(image), name=image)
        if name is not None:
            if is_unknown(name):
                return Pool(hosted=True, known=False)
            pool = _named_pool(name)
            demands = get(node, "demands", scope)
            if demands is not None and pool.os is None:
                text = " ".join(t for t in (scope.text(d) for d, _, _ in _demand_items(demands))
                                if t)
                if _DEMANDS_WINDOWS.search(text):
                    pool = Pool(pool.hosted, "windows", pool.name, pool.known)
            return pool
        return inherited

    # -- templates ---------------------------------------------------------------------
    def _template(self, ref: Node, scope: Scope) -> tuple[Node, Scope] | None:
        """Resolve a ``template:`` reference (a mapping holding ``template`` and optional
        ``parameters``) to the template's root node and the scope it is read in."""
        from ruamel.yaml.nodes import MappingNode

        found = get(ref, "template", scope)
        params = get(ref, "parameters", scope)
        if params:
            for _, value, s in mapping_items(*params):
                self._stepish_params.append((value, s))
        if not found:
            return None
        path_node, pscope = found
        spec = pscope.text(path_node)
        if not spec or is_unknown(spec) or "$(" in spec:
            return None
        origin = Origin(pscope.doc, path_node)
        target = self._template_path(spec, origin)
        if target is None:
            return None
        chain = [o.doc.path for o in scope.via] + [scope.doc.path]
        if target in chain:
            cycle = chain[chain.index(target):]
            names = " -> ".join(p.name for p in [*cycle, target])
            once = "cycle:" + "|".join(sorted(str(p) for p in cycle))
            self._problem(origin, f"template include cycle: {names}", via=scope.via, once=once)
            return None
        if len(scope.via) >= MAX_TEMPLATE_DEPTH:
            self._problem(origin, f"templates nest deeper than {MAX_TEMPLATE_DEPTH} levels")
            return None
        loaded = self.load_doc(target)
        if isinstance(loaded, DocumentError):
            # the template exists: LL001 is reported in it, once (engine), not here
            self.pipeline.broken_templates[target] = loaded
            return None
        if not isinstance(loaded.root, MappingNode):
            return None
        self.pipeline.template_files.add(str(target))
        bound: dict[str, Bound] = dict(_defaults(loaded.root, Scope(loaded)))
        if params:
            for key, value, s in mapping_items(*params):
                bound[key] = Bound(value, s)
        return loaded.root, scope.child(loaded, bound, origin)

    def _template_path(self, spec: str, origin: Origin) -> Path | None:
        """The file a template reference names. ``\\`` separates directories as ``/`` does
        (Azure accepts ``templates\\build.yml``: rules.md, "Template paths"); messages
        show the path as written and the normalised path searched, in the repository
        searched."""
        spec = spec.strip()
        written = spec
        base_root = self.root
        where = "this repository"
        if "@" in spec:
            spec, alias = spec.rsplit("@", 1)
            if alias != "self":
                mapped = self.template_repos.get(alias)
                if mapped is None:
                    self._problem(
                        origin,
                        f"template `{written}` is in another repository ({alias!r}); "
                        "it is not followed until the alias is mapped to a local checkout",
                        "info",
                    )
                    return None
                base_root = mapped
                where = f"repository {alias!r}"
        spec = spec.replace("\\", "/")
        if spec.startswith("/"):
            candidate = base_root / spec.lstrip("/")
        elif base_root is self.root:
            candidate = origin.doc.path.parent / spec
        else:
            candidate = base_root / spec
        try:
            resolved = candidate.resolve()
            root = base_root.resolve()
        except (OSError, RuntimeError):
            self._problem(origin, f"template `{written}` cannot be resolved")
            return None
        if not resolved.is_relative_to(root):
            self._problem(origin, f"template `{written}` leaves {where}: it resolves "
                          "outside the repository root, and layerlint does not read it")
            return None
        if not resolved.is_file():
            self._problem(origin, f"template `{written}` not found (looked for "
                          f"{_rel(resolved, root)} in {where})")
            return None
        return resolved

    def _problem(self, origin: Origin, message: str, severity: str = "error",
                 via: tuple[Origin, ...] = (), once: str = "") -> None:
        key = (str(origin.doc.path), origin.start)
        if key in self._reported:
            return
        self._reported.add(key)
        self.pipeline.problems.append(
            LoadProblem(origin, message, "info" if severity == "info" else "error", via, once)
        )

    def _orphan_step_params(self) -> None:
        """Stages, jobs and steps passed as template parameters (``extends: parameters:`` or
        a ``- template:`` reference's) that no expansion placed, because the template was
        not found, lives in another repository, or splices them in a way not modelled, are
        linted in the file they are written in (rules.md, "Steps passed as parameters")."""
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        pending = list(self._stepish_params)
        while pending:
            node, scope = pending.pop(0)
            node, scope = scope.resolve(node)
            if isinstance(node, MappingNode):  # e.g. an object parameter holding `stages:`
                pending.extend((v, s) for _, v, s in mapping_items(node, scope))
                continue
            if not isinstance(node, SequenceNode):
                continue
            items = [(i, s) for i, s, _ in sequence_items(node, scope)
                     if isinstance(i, MappingNode)]
            if not items or any(id(i) in self._visited for i, _ in items):
                continue
            keys = {k for i, s in items for k, _, _ in mapping_items(i, s)}
            if "stage" in keys:
                for i, s in items:
                    self._stage(i, s, HOSTED, {})
            elif keys & {"job", "deployment", "phase"}:
                for i, s in items:
                    self._job(i, s, HOSTED, {})
            elif keys & set(STEP_KINDS):
                steps = self._steps(node, scope)
                if steps:
                    self.pipeline.jobs.append(
                        Job("parameters", Origin(scope.doc, node), HOSTED, {}, steps))


_DEMANDS_WINDOWS = lazy_re(__name__, "_DEMANDS_WINDOWS",
                           r"agent\.os\s+-equals\s+windows|windows", re.I)


def _demand_items(found: tuple[Node, Scope]) -> list[tuple[Node, Scope, bool]]:
    """``demands:`` as a list or as one string."""
    from ruamel.yaml.nodes import SequenceNode

    node, scope = found[1].resolve(found[0])
    if isinstance(node, SequenceNode):
        return list(sequence_items(node, scope))
    return [(node, scope, False)]


def _named_pool(name: str) -> Pool:
    """``Azure Pipelines`` is the hosted pool; the legacy hosted queues are named
    ``Hosted ...`` (``Hosted Ubuntu 1604``, ``Hosted VS2017``, ``Hosted macOS``); a name
    holding ``hosted`` anywhere (``1ES-Hosted-Linux``) is a managed, ephemeral pool and
    counts as hosted (rules.md, "Agent awareness"); any other name is a self-hosted pool.
    The OS is read from the name where it says so (``Windows-Agents``)."""
    low = name.strip().lower()
    os: OS | None = ("windows" if _NAMED_WINDOWS.search(low) else
                     "macos" if _NAMED_MAC.search(low) else
                     "linux" if _NAMED_LINUX.search(low) else None)
    if low == "azure pipelines":
        return Pool(hosted=True, name=name)
    if "hosted" in low:
        if low.startswith("hosted") and os is None:
            os = "linux"
        return Pool(hosted=True, os=os, name=name)
    return Pool(hosted=False, os=os, name=name)


def _disabled(step: Node, scope: Scope) -> bool:
    """``enabled: false`` steps never run."""
    found = get(step, "enabled", scope)
    return found is not None and (scope.text(found[0]) or "").strip().lower() == "false"


def _rel(path: Path, root: Path) -> str:
    try:
        return "/" + path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _defaults(root: Node, scope: Scope) -> dict[str, Bound]:
    """Declared parameters' defaults: list form (``- name: x`` / ``default:``) or the
    legacy map form (``x: default``)."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    out: dict[str, Bound] = {}
    if not isinstance(root, MappingNode):
        return out
    found = get(root, "parameters", scope)
    if not found:
        return out
    node, s = found
    if isinstance(node, SequenceNode):
        for item in node.value:
            name = s.text((get(item, "name", s) or (None,))[0])
            default = get(item, "default", s)
            if name and default:
                out[name] = Bound(default[0], s)
    elif isinstance(node, MappingNode):
        for key, value, vs in mapping_items(node, s):
            out[key] = Bound(value, vs)
    return out
