"""The rule registry: an explicit table of every rule (no discovery magic; a test checks
that it lists every module in this package, and that each module's ``META`` is the one
written here).

The table holds each rule's metadata, so expanding ``--select``/``--ignore``, severities
and reports never import a rule module: :data:`RULES` imports a module the first time it
is looked up (``RULES[code]``, or iterating its values), so a run imports only the rules
it runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from types import ModuleType

from layerlint.rules._meta import RuleMeta

# module name, metadata (the module's META must be equal: tests/test_registry.py)
_TABLE: tuple[tuple[str, RuleMeta], ...] = (
    ("ll001_invalid_yaml", RuleMeta(
        "LL001", "invalid-yaml", "The file cannot be parsed as YAML.", "error")),
    ("ll002_template_not_found", RuleMeta(
        "LL002", "template-not-found",
        "A template reference resolves to no file inside the repository.", "error")),
    ("ll101_uncached_docker_build", RuleMeta(
        "LL101", "uncached-docker-build",
        "A docker build in a script imports no layer cache.", "error", "safe")),
    ("ll102_docker_task_build", RuleMeta(
        "LL102", "docker-task-build",
        "A Docker task builds an image without a layer cache.", "error", "safe")),
    ("ll103_uncached_compose_build", RuleMeta(
        "LL103", "uncached-compose-build",
        "A compose build runs without cache configuration.", "warning", "safe")),
    ("ll201_missing_cache_task", RuleMeta(
        "LL201", "missing-cache-task",
        "A build's local cache dir is not restored by any Cache@2 step.", "error", "safe")),
    ("ll202_cache_path_mismatch", RuleMeta(
        "LL202", "cache-path-mismatch",
        "A Cache@2 path differs from the build's local cache dir.", "error", "safe")),
    ("ll203_cache_task_after_build", RuleMeta(
        "LL203", "cache-task-after-build",
        "The Cache@2 step for a build's cache dir comes after the build.", "error", "safe")),
    ("ll204_cache_never_exported", RuleMeta(
        "LL204", "cache-never-exported",
        "A local cache import has no export writing the same dir.", "warning", "safe")),
    ("ll205_cache_never_imported", RuleMeta(
        "LL205", "cache-never-imported",
        "A cache export is never imported by the build.", "warning", "safe")),
    ("ll206_cache_mode_min", RuleMeta(
        "LL206", "cache-mode-min",
        "A cache export without mode=max skips the builder stages.", "warning", "safe")),
    ("ll207_cache_dir_grows", RuleMeta(
        "LL207", "cache-dir-grows",
        "A local cache is exported over the dir it is imported from.", "warning", "safe")),
    ("ll208_shared_cache_dir", RuleMeta(
        "LL208", "shared-cache-dir",
        "Two builds export to the same local cache dir and tag.", "warning", "safe")),
    ("ll209_ignored_cache_backend", RuleMeta(
        "LL209", "ignored-cache-backend",
        "A type=gha cache is silently ignored on Azure Pipelines.", "error")),
    ("ll301_frozen_cache_key", RuleMeta(
        "LL301", "frozen-cache-key",
        "A layer cache key never changes, so the cache is never saved again.", "warning",
        "safe")),
    ("ll302_missing_restore_keys", RuleMeta(
        "LL302", "missing-restore-keys",
        "A key that varies has no restoreKeys fallback.", "warning", "safe")),
    ("ll303_restore_key_not_prefix", RuleMeta(
        "LL303", "restore-key-not-prefix",
        "A restoreKeys line is not a prefix of the key.", "error", "safe")),
    ("ll304_key_file_missing", RuleMeta(
        "LL304", "key-file-missing",
        "A key segment that looks like a path matches no file.", "error", "unsafe")),
    ("ll305_multiline_key", RuleMeta(
        "LL305", "multiline-key",
        "A Cache@2 key spans several lines (legacy format).", "warning", "safe")),
    ("ll401_docker_driver_cache_export", RuleMeta(
        "LL401", "docker-driver-cache-export",
        "A cache export runs on the docker driver, which cannot export it.", "error", "safe")),
    ("ll402_builder_name_collision", RuleMeta(
        "LL402", "builder-name-collision",
        "An unguarded buildx create fails when the builder exists.", "error", "safe")),
    ("ll403_image_not_exported", RuleMeta(
        "LL403", "image-not-exported",
        "A container-builder build keeps its image inside the builder.", "warning", "safe")),
)


class _Registry(Mapping[str, ModuleType]):
    """Rule code -> rule module, imported on first lookup; keys in table order."""

    def __init__(self, table: tuple[tuple[str, RuleMeta], ...]) -> None:
        self._names = {m.code: name for name, m in table}
        if len(self._names) != len(table) or len({m.name for _, m in table}) != len(table):
            raise RuntimeError("duplicate rule code or name in the registry")
        self._loaded: dict[str, ModuleType] = {}

    def __getitem__(self, code: str) -> ModuleType:
        module = self._loaded.get(code)
        if module is None:
            module = import_module(f"{__name__}.{self._names[code]}")
            self._loaded[code] = module
        return module

    def __contains__(self, code: object) -> bool:
        return code in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


RULES: Mapping[str, ModuleType] = _Registry(_TABLE)
_META: dict[str, RuleMeta] = {m.code: m for _, m in _TABLE}
BY_NAME: dict[str, str] = {m.name: m.code for _, m in _TABLE}


def meta(code: str) -> RuleMeta:
    return _META[code]
