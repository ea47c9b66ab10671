"""Tampering with the audit log as someone holding the database owner's rights would: the guard lifted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

from django.db import connection

guard = import_module("kechuang.core.migrations.0006_audit")


@contextmanager
def audit_guard_lifted() -> Iterator[None]:
    """Without the triggers of migration 0006_audit for the block, then with them again."""
    guard.remove(connection)
    try:
        yield
    finally:
        guard.install(connection)
