from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kechuang.core.registry import default_policy, navigation_for


def layout(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"environment": settings.ENVIRONMENT}
    return {
        "navigation": navigation_for(user, request.path),
        "current_policy": default_policy(),
        "environment": settings.ENVIRONMENT,
    }
