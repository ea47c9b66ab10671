"""Data scope: the one mechanism deciding which records a user may see or change.

A model declares which of its fields carry its region and its department (`data_scope`), and its
manager is a ScopedQuerySet. Every selector, export and API endpoint starts from
`Model.objects.visible_to(user)`; a model with no declaration shows nothing to confined roles, so a
new table that forgets to opt in leaks nothing (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from kechuang.core.roles import CITY_WIDE, READ_ONLY, Role

if TYPE_CHECKING:
    from kechuang.core.models import OrgUnit, User


@dataclass(frozen=True)
class DataScope:
    """Paths (in ORM lookup syntax) from a model to the org units that own it."""

    region: str | None = None
    department: str | None = None
    # Further paths through which a district officer may read (never write) a record: a contract is the
    # registering district's, but the buyer's district sees it too.
    region_reads: tuple[str, ...] = ()
    # Public documents (the policy text) are readable by every signed-in user.
    public: bool = False
    # Numbers of the running policy's tasks whose lead and supporting departments read (never write) every
    # record: a register the policy gives to departments rather than to one (the loans of a task that the bureau,
    # the financial regulator and the central bank carry together). Which tasks is the module's city data.
    task_readers: tuple[int, ...] = ()
    # Filter a path of foreign keys through a subquery on its first hop (`item__in=<items of the unit>`) rather than
    # a join: for a large table listed newest first (the service desk), the planner then walks the table in order
    # and stops at the page instead of sorting every match of the joined unit.
    subquery: bool = False


def _unit_ids(unit: OrgUnit) -> list[int]:
    from kechuang.core.models import OrgUnit

    # An org unit's records include those of the units below it (a region's towns, a department's offices).
    return list(OrgUnit.objects.descendants(unit, include_self=True).values_list("pk", flat=True))


def reads_by_task(user: Any, tasks: tuple[int, ...]) -> bool:
    """Is `user` a department officer whose unit (or a unit below it, as everywhere in the scope) is a lead or
    supporting department of one of the running policy's `tasks`? (`DataScope.task_readers`; the policy module
    answers which departments.)"""
    from kechuang.core import registry

    if getattr(user, "role", None) != Role.DEPARTMENT_OFFICER or not tasks or user.org_unit_id is None:
        return False
    return bool(set(_unit_ids(user.org_unit)) & registry.task_departments(tasks))


def _path_for(user: User, scope: DataScope) -> str | None:
    if user.role == Role.DISTRICT_OFFICER:
        return scope.region
    if user.role == Role.DEPARTMENT_OFFICER:
        return scope.department
    return None


# Set on a queryset's query (it survives .filter(), .select_related() and the like) once the queryset is what a
# user may read: `get_for_user` then does not filter it again.
_SCOPED_FOR = "kechuang_scoped_for"


def mark_scoped(queryset: models.QuerySet, user: Any) -> models.QuerySet:
    """Declare `queryset` to be what `user` may read. `scope_filter` marks its results; a selector with its own,
    wider rule (a lead department reads its supporters' submitted reports) marks what it returns."""
    queryset = queryset.all()
    setattr(queryset.query, _SCOPED_FOR, getattr(user, "pk", None))
    return queryset


def is_scoped_for(queryset: models.QuerySet, user: Any) -> bool:
    """Was `queryset` scoped for `user` (by `scope_filter` or a selector's `mark_scoped`)?"""
    return user is not None and getattr(queryset.query, _SCOPED_FOR, object()) == getattr(user, "pk", None)


def scope_filter(queryset: models.QuerySet, user: Any, *, for_write: bool = False) -> models.QuerySet:
    """The records of `queryset` that `user` may read (or, with `for_write`, that are the user's own units')."""
    filtered = _scope_filter(queryset, user, for_write=for_write)
    return filtered if for_write else mark_scoped(filtered, user)


def _scope_filter(queryset: models.QuerySet, user: Any, *, for_write: bool) -> models.QuerySet:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    scope: DataScope | None = getattr(queryset.model, "data_scope", None)
    if user.role in CITY_WIDE or (scope is not None and scope.public):
        return queryset
    if scope is None or user.org_unit_id is None:
        return queryset.none()
    if scope.task_readers and not for_write and reads_by_task(user, scope.task_readers):
        return queryset
    path = _path_for(user, scope)
    if path is None:
        return queryset.none()
    units = _unit_ids(user.org_unit)
    condition = _unit_condition(queryset.model, path, units, subquery=scope.subquery)
    if user.role == Role.DISTRICT_OFFICER and not for_write:
        for extra in scope.region_reads:
            # a subquery, not a join: no repeated rows, and aggregates over the result stay right
            condition |= Q(pk__in=queryset.model._default_manager.filter(**{f"{extra}__in": units}).values("pk"))
    filtered = queryset.filter(condition)
    # A path through a to-many relation can repeat rows; a chain of foreign keys cannot (and DISTINCT over a large
    # table costs a sort of all its matching rows: the service desk at a million requests).
    return filtered.distinct() if _crosses_to_many(queryset.model, path) else filtered


def _unit_condition(model: type[models.Model], path: str, units: list[int], *, subquery: bool) -> Q:
    """Records whose `path` leads to one of `units`: a join, or (`subquery`, a chain of foreign keys) the first hop
    within the related rows that lead there."""
    first, _, rest = path.partition("__")
    if not subquery or not rest or _crosses_to_many(model, path):
        return Q(**{f"{path}__in": units})
    related = model._meta.get_field(first).related_model
    return Q(**{f"{first}__in": related._default_manager.filter(**{f"{rest}__in": units}).values("pk")})


def _crosses_to_many(model: type[models.Model], path: str) -> bool:
    """Does the lookup `path` from `model` pass through a to-many relation (or one we cannot tell)?"""
    from django.core.exceptions import FieldDoesNotExist

    opts = model._meta
    for part in path.split("__"):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return True
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        opts = field.related_model._meta
    return False


def can_write_unit(user: Any, unit: OrgUnit | None) -> bool:
    """May `user` create or change records owned by `unit`?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in READ_ONLY:
        return False
    if user.role in CITY_WIDE:
        return True
    if unit is None or user.org_unit_id is None:
        return False
    return unit.pk in _unit_ids(user.org_unit)


def write_filter(queryset: models.QuerySet, user: Any) -> models.QuerySet:
    """The records of `queryset` that `user` may change: visible, of the user's own units, the role not read-only."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role in READ_ONLY:
        return queryset.none()
    # A public document is readable by all but changed only by city-wide roles (by loading its file).
    if user.role not in CITY_WIDE and getattr(queryset.model, "data_scope", DataScope()).public:
        return queryset.none()
    return scope_filter(queryset, user, for_write=True)


def can_write(user: Any, obj: models.Model) -> bool:
    """May `user` change `obj`? The object must be visible and the role not read-only."""
    return obj.pk in writable_pks(user, type(obj), [obj.pk])


def writable_pks(user: Any, model: type[models.Model], pks: list[Any]) -> set[Any]:
    """Which of `pks` `user` may change: `can_write` for many records in one query."""
    if not pks:
        return set()
    return set(write_filter(model._default_manager.filter(pk__in=pks), user).values_list("pk", flat=True))


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> models.QuerySet:
        """What `user` may read: every list, export and API endpoint starts here."""
        return scope_filter(self, user)

    def writable_by(self, user: Any) -> models.QuerySet:
        """What `user` may change: a subset of `visible_to(user)`."""
        return write_filter(self, user)


def reads_register(user: Any) -> bool:
    """May `user` read firms' credit codes? The roles that read the enterprise register: the city-wide roles and
    district officers (their region's firms). A department officer reads some registers of its competence (a
    platform, a loan) but not the register, so a firm is named to it, not identified by code."""
    return getattr(user, "role", None) in CITY_WIDE | {Role.DISTRICT_OFFICER}
