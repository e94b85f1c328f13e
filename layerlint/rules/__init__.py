"""The rule registry: an explicit map from code to rule module (no discovery magic; a test
checks that it lists every module in this package)."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from layerlint.rules.base import RuleMeta

_NAMES = (
    "ll001_invalid_yaml",
    "ll002_template_not_found",
    "ll101_uncached_docker_build",
    "ll102_docker_task_build",
    "ll103_uncached_compose_build",
    "ll201_missing_cache_task",
    "ll202_cache_path_mismatch",
    "ll203_cache_task_after_build",
    "ll204_cache_never_exported",
    "ll205_cache_never_imported",
    "ll206_cache_mode_min",
    "ll207_cache_dir_grows",
    "ll208_shared_cache_dir",
    "ll209_ignored_cache_backend",
    "ll301_frozen_cache_key",
    "ll302_missing_restore_keys",
    "ll303_restore_key_not_prefix",
    "ll304_key_file_missing",
    "ll305_multiline_key",
    "ll401_docker_driver_cache_export",
    "ll402_builder_name_collision",
    "ll403_image_not_exported",
)
_MODULES: tuple[ModuleType, ...] = tuple(import_module(f"{__name__}.{n}") for n in _NAMES)


def _registry() -> dict[str, ModuleType]:
    out: dict[str, ModuleType] = {}
    names: set[str] = set()
    for module in _MODULES:
        meta: RuleMeta = module.META
        if meta.code in out or meta.name in names:
            raise RuntimeError(f"duplicate rule {meta.code} {meta.name}")
        out[meta.code] = module
        names.add(meta.name)
    return out


RULES: dict[str, ModuleType] = _registry()
BY_NAME: dict[str, str] = {m.META.name: code for code, m in RULES.items()}


def meta(code: str) -> RuleMeta:
    result: RuleMeta = RULES[code].META
    return result
