"""Fix-safety harness: checks that ``layerlint check --fix`` keeps a pipeline's behaviour.

- :mod:`.sandbox`: runs bash regions under a ``docker`` stub in a restricted, throw-away
  environment (Azure macros and template expressions replaced by placeholders).
- :mod:`.pipelines`: a small, independent model of Azure Pipelines YAML (steps lists, jobs,
  matrix legs, template callers, pools) used to judge where inserted steps land.
- :mod:`.checks`: the checks themselves, on an original and a fixed copy of a repository.

The model is deliberately written without the package's own loader, so that a mistake in the
linter's understanding of a pipeline is not silently shared by the harness that judges it.
"""
