"""Is this YAML file an Azure Pipelines file or template? (rules.md, "What is a pipeline
file"). Decided from the parsed content, never from the file name: pre-commit hands the
hook every YAML file, and GitHub workflows, GitLab CI files, compose files and Kubernetes
manifests must be skipped silently."""

from __future__ import annotations

from layerlint.document import Node
from layerlint.pipeline.model import STEP_KINDS

TOP_KEYS = frozenset(
    {"steps", "jobs", "stages", "extends", "trigger", "pr", "pool", "resources", "schedules",
     "variables", "phases", "queue"}
)
LIST_KEYS = {"steps": frozenset(STEP_KINDS), "jobs": frozenset({"job", "deployment", "template"}),
             "stages": frozenset({"stage", "template"}),
             "phases": frozenset({"phase", "template"})}  # phases: the 2018 schema's jobs
STEP_KEYS = frozenset(STEP_KINDS) | {
    "condition", "continueOnError", "displayName", "target", "enabled", "env", "name",
    "timeoutInMinutes", "retryCountOnTaskFailure", "inputs", "failOnStderr",
    "workingDirectory", "errorActionPreference", "ignoreLASTEXITCODE", "parameters", "clean",
    "fetchDepth", "fetchFilter", "fetchTags", "lfs", "persistCredentials", "submodules",
    "path", "sparseCheckoutDirectories", "sparseCheckoutPatterns", "workspaceRepo",
    "artifact", "patterns", "mountReadOnly",
}


def _keys(node: Node) -> list[str]:
    return [k.value for k, _ in node.value if isinstance(k.value, str)]


def _list_ok(node: Node, expected: frozenset[str]) -> bool:
    """A list whose mapping items each carry one of ``expected`` (or an expression)."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if isinstance(node, ScalarNode):
        return isinstance(node.value, str) and node.value.strip().startswith("${{")
    if not isinstance(node, SequenceNode) or not node.value:
        return False
    for item in node.value:
        if isinstance(item, ScalarNode) and str(item.value).strip().startswith("${{"):
            continue
        if not isinstance(item, MappingNode):
            return False
        keys = _keys(item)
        if not any(k in expected or k.startswith("${{") for k in keys):
            return False
    return True


def why_not_pipeline(root: Node | None) -> str | None:
    """None when the document is a pipeline or template; otherwise the reason it is not."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if root is None:
        return "empty document"
    if isinstance(root, SequenceNode):
        if _list_ok(root, LIST_KEYS["steps"]) and all(
            set(_keys(i)) <= STEP_KEYS or any(k.startswith("${{") for k in _keys(i))
            for i in root.value if isinstance(i, MappingNode)
        ):
            return None
        if _list_ok(root, frozenset({"job", "deployment"})) or _list_ok(
            root, frozenset({"stage"})
        ):
            return None
        return "a list that is not a list of steps, jobs or stages"
    if not isinstance(root, MappingNode):
        return "not a mapping"
    keys = set(_keys(root))
    structural = [k for k in ("steps", "jobs", "stages", "phases") if k in keys]
    for key in structural:
        value = next(v for k, v in root.value if k.value == key)
        if not _list_ok(value, LIST_KEYS[key]):
            return f"top-level {key!r} is not an Azure Pipelines {key} list"
    if structural:
        return None
    if "parameters" in keys and "variables" in keys:
        return None
    if "extends" in keys:
        return None
    if len(keys & TOP_KEYS) >= 2:
        return None
    return "no Azure Pipelines top-level keys (steps, jobs, stages, extends, trigger, ...)"
