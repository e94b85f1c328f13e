"""Regular expressions compiled on first use.

Compiling a pattern costs 50-500 microseconds, and most of a module's patterns are not
needed by a given run (a pipeline without template loops never needs the ``each``
pattern; a pool without a name never needs the pool-name patterns). A module-level
``_NAME = lazy_re(__name__, "_NAME", pattern)`` is compiled the first time it is used,
and then replaces itself in its module, so later uses cost nothing extra.
"""

from __future__ import annotations

import re
import sys
from typing import Any, cast


class _LazyPattern:
    __slots__ = ("_compiled", "_flags", "_module", "_name", "_pattern")

    def __init__(self, module: str, name: str, pattern: str, flags: int) -> None:
        self._module = module
        self._name = name
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def _compile(self) -> re.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._pattern, self._flags)
            namespace = sys.modules[self._module].__dict__
            if namespace.get(self._name) is self:
                namespace[self._name] = compiled
        return compiled

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._compile(), attr)

    def __repr__(self) -> str:
        return f"lazy_re({self._pattern!r})"


def lazy_re(module: str, name: str, pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)`` when first used, as the global ``name`` of
    ``module`` (pass ``__name__``)."""
    return cast("re.Pattern[str]", _LazyPattern(module, name, pattern, flags))
