"""System checks: a configured dense re-ranking model must be usable before the server starts, not at the first
search."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def dense_model_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    path = getattr(settings, "TECHMARKET_DENSE_MODEL_PATH", "")
    if not path:
        return []
    if not Path(path).is_dir():
        return [
            Error(
                f"KECHUANG_MATCH_DENSE_MODEL={path!r} is not a directory.",
                hint="Point it at a sentence-transformers model already on disk (models are never downloaded), "
                "or unset it to turn dense re-ranking off.",
                id="techmarket.E001",
            )
        ]
    if importlib.util.find_spec("sentence_transformers") is None:
        return [
            Error(
                "KECHUANG_MATCH_DENSE_MODEL is set but the package sentence-transformers is not installed.",
                hint="Install it into the virtualenv (.venv/bin/pip install sentence-transformers) or unset the "
                "variable.",
                id="techmarket.E002",
            )
        ]
    return []
