"""The project's scripts (synthetic registries, golden-file writer) as modules: scripts/ is not a package."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from etl_assets_tests.conftest import PROJECT_ROOT


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py``, loaded once per process (tests of several modules share it)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
