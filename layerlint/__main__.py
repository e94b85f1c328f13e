"""``python -m layerlint``."""

from __future__ import annotations

from layerlint.cli import console

console()
