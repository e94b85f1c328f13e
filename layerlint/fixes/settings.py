"""How fixes are written, from the configuration (``fix.style``, ``fix.template``,
``registries``): passed to rules through the context."""

from __future__ import annotations

from typing import Literal

from layerlint._record import Record
from layerlint.fixes.template_style import DEFAULT_TEMPLATE


class FixSettings(Record):
    __slots__ = ("registries", "style", "template")
    style: Literal["inline", "template"]
    template: str
    registries: dict[str, str]

    def __init__(self, style: Literal["inline", "template"] = "inline",
                 template: str = DEFAULT_TEMPLATE,
                 registries: dict[str, str] | None = None) -> None:
        self.style = style
        self.template = template
        self.registries = {} if registries is None else registries


DEFAULT = FixSettings()
