"""Template scopes: which parameter values are in force where, and `${{ }}` substitution.

Templates are never copied or re-dumped. A step keeps its original node (and so its file
and offsets) plus the :class:`Scope` it is read in; the scope knows the template parameters
bound by the caller (each a node of the *caller's* file read in the caller's scope) and the
loop variables of ``${{ each }}``. Reading a scalar through the scope substitutes the
expressions it can know; anything it cannot (functions, runtime variables) stays as
written, and callers treat text still holding ``${{`` as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint._lazyre import lazy_re
from layerlint._record import Record
from layerlint.document import Document, Node

_EXPR = lazy_re(__name__, "_EXPR", r"\$\{\{\s*(.*?)\s*\}\}", re.S)
_REF = lazy_re(__name__, "_REF",
    r"""^(?:parameters\.(?P<dot>[A-Za-z_][\w-]*)
         |parameters\[\s*['"](?P<idx>[^'"]+)['"]\s*\]
         |(?P<local>[A-Za-z_]\w*)(?:\.(?P<attr>[A-Za-z_][\w-]*))?)$""",
    re.X,
)
MAX_RESOLVE = 50


def is_expression_key(text: object) -> bool:
    return isinstance(text, str) and text.startswith("${{") and text.rstrip().endswith("}}")


def is_unknown(text: str) -> bool:
    """Text that still holds a value the linter cannot know."""
    return "${{" in text or "$[" in text


class Origin(Record):
    """Where something is written: a node of a document."""

    __slots__ = ("doc", "node")
    doc: Document
    node: Node

    def __init__(self, doc: Document, node: Node) -> None:
        self.doc = doc
        self.node = node

    @property
    def start(self) -> int:
        return int(self.node.start_mark.index)

    @property
    def end(self) -> int:
        return int(self.node.end_mark.index)


class Bound(Record):
    """A parameter value: a node read in the scope it was written in."""

    __slots__ = ("node", "scope")
    node: Node
    scope: Scope

    def __init__(self, node: Node, scope: Scope) -> None:
        self.node = node
        self.scope = scope


class Scope(Record):
    __slots__ = ("_index", "doc", "locals", "params", "via")
    doc: Document
    params: dict[str, Bound]
    locals: dict[str, Bound]
    via: tuple[Origin, ...]  # template references that led here, outermost first
    # key -> (value, scope) of each mapping read in this scope, built on first lookup
    _index: dict[int, dict[str, tuple[Node, Scope]]]

    def __init__(self, doc: Document, params: dict[str, Bound] | None = None,
                 locals: dict[str, Bound] | None = None, via: tuple[Origin, ...] = (),
                 _index: dict[int, dict[str, tuple[Node, Scope]]] | None = None) -> None:
        self.doc = doc
        self.params = {} if params is None else params
        self.locals = {} if locals is None else locals
        self.via = via
        self._index = {} if _index is None else _index

    # -- lookups ---------------------------------------------------------------------
    def lookup(self, expr: str) -> Bound | None:
        m = _REF.match(expr.strip())
        if not m:
            return None
        name = m.group("dot") or m.group("idx")
        if name is not None:
            return self.params.get(name) or _ci_get(self.params, name)
        bound = self.locals.get(m.group("local"))
        if bound is None or m.group("attr") is None:
            return bound
        # ${{ item.key }} on a mapping loop variable
        from ruamel.yaml.nodes import MappingNode

        if isinstance(bound.node, MappingNode):
            for k, v in bound.node.value:
                if k.value == m.group("attr"):
                    return Bound(v, bound.scope)
        return None

    def resolve(self, node: Node) -> tuple[Node, Scope]:
        """Follow a scalar that is exactly one ``${{ parameters.X }}`` to the bound value."""
        scope = self
        for _ in range(MAX_RESOLVE):
            value = getattr(node, "value", None)
            if not isinstance(value, str) or "${{" not in value:  # a scalar's string value
                return node, scope
            m = _EXPR.fullmatch(value.strip())
            if not m:
                return node, scope
            bound = scope.lookup(m.group(1))
            if bound is None:
                return node, scope
            node, scope = bound.node, bound.scope
        return node, scope

    def text(self, node: Node | None) -> str | None:
        """A scalar's value with the expressions this scope knows substituted."""
        if node is None:
            return None
        node, scope = self.resolve(node)
        value = getattr(node, "value", None)
        if not isinstance(value, str):
            return None
        return scope.substitute(value)

    def substitute(self, value: str, _depth: int = 0) -> str:
        if "${{" not in value or _depth > 10:
            return value

        def repl(m: re.Match[str]) -> str:
            bound = self.lookup(m.group(1))
            if bound is None:
                return m.group(0)
            v = getattr(bound.node, "value", None)
            if not isinstance(v, str):
                return m.group(0)
            return bound.scope.substitute(v, _depth + 1)

        return _EXPR.sub(repl, value)

    def child(self, doc: Document, params: dict[str, Bound], via: Origin) -> Scope:
        return Scope(doc, params, {}, (*self.via, via))

    def with_local(self, name: str, bound: Bound) -> Scope:
        return Scope(self.doc, self.params, {**self.locals, name: bound}, self.via)


def _ci_get(d: dict[str, Bound], name: str) -> Bound | None:
    low = name.lower()
    for k, v in d.items():
        if k.lower() == low:
            return v
    return None


def mapping_items(node: Node, scope: Scope) -> Iterator[tuple[str, Node, Scope]]:
    """(key, value node, scope) of a mapping, with ``${{ if/else/each }}:`` keys flattened
    (every branch: a value that may apply is linted)."""
    from ruamel.yaml.nodes import MappingNode

    node, scope = scope.resolve(node)
    if not isinstance(node, MappingNode):
        return
    for k, v in node.value:
        key = k.value if isinstance(k.value, str) else None
        if key is None:
            continue
        if is_expression_key(key):
            inner, inner_scope = scope.resolve(v)
            if isinstance(inner, MappingNode):
                yield from mapping_items(inner, inner_scope)
            else:
                m = _EXPR.fullmatch(key.strip())
                # `${{ insert }}: ${{ parameters.x }}` and similar: merge what it names
                if m and m.group(1).strip() == "insert":
                    yield from mapping_items(v, scope)
            continue
        yield key, v, scope


def get(node: Node, key: str, scope: Scope) -> tuple[Node, Scope] | None:
    """The first value of ``key`` in a mapping (branches of ``${{ if }}`` flattened). The
    loader asks each step and job for many keys, so each mapping is indexed once."""
    index = scope._index.get(id(node))
    if index is None:
        index = {}
        for k, v, s in mapping_items(node, scope):
            index.setdefault(k, (v, s))
        scope._index[id(node)] = index
    return index.get(key)


_EACH = lazy_re(__name__, "_EACH", r"^each\s+([A-Za-z_]\w*)\s+in\s+(.+)$", re.S)


def sequence_items(node: Node | None, scope: Scope) -> Iterator[tuple[Node, Scope, bool]]:
    """Items of a list, with template insertions expanded: ``- ${{ if }}:`` branches (all of
    them, marked conditional), ``- ${{ each x in parameters.list }}:`` bodies once per
    element, and ``- ${{ parameters.steps }}`` splices of list parameters."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if node is None:
        return
    node, scope = scope.resolve(node)
    if not isinstance(node, SequenceNode):
        return
    for item in node.value:
        resolved, rscope = scope.resolve(item)
        if resolved is not item:
            if isinstance(resolved, SequenceNode):
                yield from sequence_items(resolved, rscope)
            elif isinstance(resolved, MappingNode):
                yield resolved, rscope, False
            continue
        if isinstance(item, MappingNode) and len(item.value) == 1:
            k, v = item.value[0]
            key = k.value if isinstance(k.value, str) else ""
            if is_expression_key(key):
                m = _EXPR.fullmatch(key.strip())
                expr = m.group(1).strip() if m else ""
                each = _EACH.match(expr)
                if each:
                    source = scope.lookup(each.group(2).strip())
                    elements: list[Node] = []
                    if source is not None:
                        src_node, src_scope = source.scope.resolve(source.node)
                        if isinstance(src_node, SequenceNode):
                            elements = src_node.value
                        elif isinstance(src_node, MappingNode):
                            elements = [val for _, val in src_node.value]
                    if not elements:
                        # unknown or empty in this scope (a template linted with its
                        # defaults): the body may still run for some caller, so lint it
                        # once with the loop variable unknown
                        for n, s, _ in sequence_items(v, scope):
                            yield n, s, True
                        continue
                    for element in elements:
                        inner = scope.with_local(each.group(1), Bound(element, src_scope))
                        for n, s, _ in sequence_items(v, inner):
                            yield n, s, True
                    continue
                for n, s, _ in sequence_items(v, scope):
                    yield n, s, True
                continue
        yield item, scope, False
