"""Account services of the identity work (issue 12, items 1, 2, 6).

PLACEHOLDER of the `admins` branch: the `identity` branch owns this module and its real `reset_password`
(password history, forced change). This minimal version keeps the same signature so the user-management page of
`admins` works on its own; the integrator keeps identity's version.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kechuang.core import audit


@transaction.atomic
def reset_password(user: Any, actor: Any) -> str:
    """Give `user` a random temporary password, to be changed at the next log-in; returns it (shown once)."""
    from kechuang.core.demo import generate_password

    password = generate_password()
    user.set_password(password)
    fields = ["password"]
    if hasattr(user, "must_change_password"):
        user.must_change_password = True
        fields.append("must_change_password")
    user.save(update_fields=fields)
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=user, changes={"password": ["***", "***"]})
    return password
