from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kechuang.core.messages import badge_count
from kechuang.core.registry import default_policy, layout_for, navigation_for
from kechuang.core.roles import BUSINESS


def layout(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"environment": settings.ENVIRONMENT, "base_template": "base.html"}
    return {
        # The layout every page of the account extends (`{% extends base_template %}`): a module may give an external
        # role its own (the enterprise portal's, AppConfig `external_layout`); staff get the staff layout.
        "base_template": layout_for(user.role),
        "navigation": navigation_for(user, request.path),
        # The policy is business data: an administrator's top bar does not link to it (core.duties).
        "current_policy": default_policy() if user.role in BUSINESS else None,
        "environment": settings.ENVIRONMENT,
        # A callable: asked only where the top bar shows it.
        "unread_messages": lambda: badge_count(user),
    }
