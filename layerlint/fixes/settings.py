"""How fixes are written, from the configuration (``fix.style``, ``fix.template``,
``registries``): passed to rules through the context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from layerlint.fixes.template_style import DEFAULT_TEMPLATE


@dataclass(frozen=True)
class FixSettings:
    style: Literal["inline", "template"] = "inline"
    template: str = DEFAULT_TEMPLATE
    registries: dict[str, str] = field(default_factory=dict)


DEFAULT = FixSettings()
