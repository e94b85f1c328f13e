"""``python -m layerlint``."""

from __future__ import annotations

from layerlint.cli import main

raise SystemExit(main())
