"""layerlint: find and fix uncached Docker image builds in Azure Pipelines."""

from __future__ import annotations

__version__ = "0.1.0"
