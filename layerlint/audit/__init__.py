"""``layerlint audit``: many repositories at once.

Sources (local directories, git URLs, an Azure DevOps organisation) become
:class:`~layerlint.audit.model.RepoSpec` values; the runner lints each one in a worker
process with the same :class:`~layerlint.engine.Engine` as ``check`` (it never
re-implements linting), caching results by content hash; the reporters turn the
:class:`~layerlint.audit.model.Audit` into a terminal summary, JSON, CSV, HTML and Markdown.
Imported only by the audit command, never at ``layerlint`` import time.
"""
