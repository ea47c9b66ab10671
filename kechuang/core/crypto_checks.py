"""System checks of the field encryption: production refuses to start without a configured, readable key ring
(a key generated into var/ is for development only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.dispatch import receiver
from django.test.signals import setting_changed


@register()
def field_keys_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from kechuang.core import crypto

    if not getattr(settings, "PRODUCTION", False):
        return []
    if not settings.KECHUANG_FIELD_KEYS or not settings.KECHUANG_BLIND_INDEX_KEY:
        return [
            Error(
                "KECHUANG_FIELD_KEYS and KECHUANG_BLIND_INDEX_KEY must be set when KECHUANG_ENV=production.",
                hint='KECHUANG_FIELD_KEYS="k1:<base64 of 32 random bytes>"; keep the keys outside the database.',
                id="core.E101",
            )
        ]
    try:
        crypto.KeyRing.parse(settings.KECHUANG_FIELD_KEYS, settings.KECHUANG_BLIND_INDEX_KEY)
    except ValueError as exc:
        return [Error(str(exc), id="core.E102")]
    return []


@receiver(setting_changed)
def _forget_key_ring(setting: str, **kwargs: Any) -> None:
    """A changed key setting (tests, a reload) takes effect at once: the cached key ring is dropped."""
    if setting in ("KECHUANG_FIELD_KEYS", "KECHUANG_BLIND_INDEX_KEY", "KECHUANG_CRYPTO_BACKEND"):
        from kechuang.core import crypto

        crypto.reset()
