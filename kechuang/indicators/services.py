"""Changing indicator data: observations (entry, revision, import) and region target breakdowns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import audit, registry
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import require_bureau
from kechuang.core.roles import BUREAU as BUREAU_ROLES
from kechuang.core.roles import CITY_WIDE, READ_ONLY, Role
from kechuang.core.scope import can_write_unit
from kechuang.indicators import collection_rules as rules
from kechuang.indicators.models import (
    DataSet,
    Indicator,
    Observation,
    ObservationRevision,
    Submission,
    TargetAllocation,
    ValidationRule,
    period_label,
)


def can_enter(user: Any, indicator: Indicator, region: OrgUnit) -> bool:
    """May `user` enter a value of `indicator` for `region`?

    Bureau staff and admins: anything. District officers: their own region (and its sub-units), any indicator.
    Department officers: the indicators their department is responsible for, any region. Leaders: nothing.
    """
    if user is None or not getattr(user, "is_authenticated", False) or user.role in READ_ONLY:
        return False
    if indicator.formula:
        return False
    if user.role in CITY_WIDE:
        return True
    if user.role == Role.DISTRICT_OFFICER:
        return region.kind == OrgUnit.Kind.REGION and can_write_unit(user, region)
    if user.role == Role.DEPARTMENT_OFFICER:
        return any(can_write_unit(user, d) for d in indicator.departments.all())
    return False


@dataclass
class SaveResult:
    observation: Observation
    created: bool
    changed: bool


def observation_save(
    *,
    actor: Any,
    indicator: Indicator,
    region: OrgUnit,
    year: int,
    quarter: int = 0,
    month: int = 0,
    value: Decimal,
    status: str = Observation.Status.PRELIMINARY,
    source: str,
    definition_version: str = "",
    reason: str = "",
) -> SaveResult:
    """Create the observation or revise it. A revision keeps the previous version and needs a reason. The period
    is the year, a quarter (1–4) or a month (1–12), never a quarter and a month at once."""
    if indicator.formula:
        raise ValidationError(
            {
                "indicator": _("%(name)s is derived (%(formula)s): it is computed, never entered.")
                % {"name": indicator.name, "formula": indicator.formula}
            }
        )
    if not 0 <= quarter <= 4 or not 0 <= month <= 12 or (quarter and month):
        raise ValidationError({"quarter": _("Give a quarter (1–4) or a month (1–12), not both.")})
    if not can_enter(actor, indicator, region):
        raise PermissionDenied(_("You may not enter this indicator for this region."))
    _refuse_locked(indicator, region, year, quarter, month)
    with transaction.atomic():
        return _upsert(
            actor=actor,
            indicator=indicator,
            region=region,
            year=year,
            quarter=quarter,
            month=month,
            value=value,
            status=status,
            source=source,
            definition_version=definition_version,
            reason=reason,
        )


def _upsert(
    *,
    actor: Any,
    indicator: Indicator,
    region: OrgUnit,
    year: int,
    quarter: int,
    month: int = 0,
    value: Decimal,
    status: str,
    source: str,
    definition_version: str = "",
    reason: str = "",
    submission: Submission | None = None,
) -> SaveResult:
    """Create or revise one observation (inside the caller's transaction); a revision keeps the old version."""
    # The field's own check (digits, places, a finite number) before any arithmetic: 1e30 overflowed the quantize
    # of a revision below (an internal error) where a new value got the model's message.
    value = _checked(Observation._meta.get_field("value"), value)
    key = {"indicator": indicator, "region": region, "year": year, "quarter": quarter, "month": month}
    existing = Observation.objects.select_for_update().filter(**key).first()
    if existing is None:
        obs = Observation(
            **key,
            submission=submission,
            value=value,
            status=status,
            source=source,
            definition_version=definition_version,
            entered_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.save(obs, actor=actor)
        return SaveResult(obs, True, True)
    new_value = Decimal(value).quantize(Decimal("0.0001"))
    changed = (
        existing.value != new_value
        or existing.status != status
        or existing.source != source
        or existing.definition_version != definition_version
    )
    if not changed:
        if submission is not None and existing.submission_id != submission.pk:
            existing.submission = submission
            audit.save(existing, actor=actor, action=audit.Action.UPDATE)
            return SaveResult(existing, False, True)
        return SaveResult(existing, False, False)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for revising a value that was already entered.")})
    if existing.status == Observation.Status.FINAL and status == Observation.Status.PRELIMINARY:
        raise ValidationError({"status": _("A final value cannot go back to preliminary.")})
    revision = ObservationRevision(
        observation=existing,
        value=existing.value,
        status=existing.status,
        source=existing.source,
        new_value=new_value,
        new_status=status,
        reason=reason.strip()[:300],
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    existing.value = new_value
    existing.status = status
    existing.source = source
    existing.definition_version = definition_version
    existing.is_demo = False
    existing.entered_by = actor if getattr(actor, "is_authenticated", False) else existing.entered_by
    if submission is not None:
        existing.submission = submission
    audit.save(existing, actor=actor, action=audit.Action.UPDATE)
    revision.save()
    return SaveResult(existing, False, True)


def _checked(model_field: Any, value: Any) -> Any:
    """`value` as the model field cleans it, or the field's message under its name."""
    try:
        return model_field.clean(value, None)
    except ValidationError as exc:
        raise ValidationError({model_field.name: exc.messages}) from None


def _refuse_locked(indicator: Indicator, region: OrgUnit, year: int, quarter: int, month: int = 0) -> None:
    form = locked_form(indicator, region, year, quarter, month)
    if form is not None:
        raise ValidationError(
            {
                "value": _(
                    "This value belongs to the collection form %(form)s, which is %(state)s: it changes only there, "
                    "after the bureau returns or unlocks it."
                )
                % {"form": form, "state": form.get_state_display()}
            }
        )


def observations_write(*, actor: Any, clean: list[dict[str, Any]], errors: list, filename: str) -> dict[str, int]:
    """Save the checked rows of an imported file (`kechuang.indicators.imports.validate_rows`) inside the import's
    transaction; returns the counts. The rows are saved even when others failed (the pipeline then rolls back) so
    that the errors only saving finds come in the same report (one pass); they are appended to `errors`."""
    from kechuang.core.imports import RowError
    from kechuang.indicators.imports import LABELS, SHEET_TITLE

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for item in clean:
        try:
            saved = observation_save(
                actor=actor, reason=_("Imported from %(file)s") % {"file": filename}, **item["data"]
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.append(RowError(SHEET_TITLE, item["row"], LABELS.get(name, name), "", " ".join(messages), name))
            continue
        except PermissionDenied as exc:
            errors.append(RowError(SHEET_TITLE, item["row"], LABELS["indicator_code"], "", str(exc), "indicator_code"))
            continue
        counts["created" if saved.created else "updated" if saved.changed else "unchanged"] += 1
    return counts


def allocations_set(*, actor: Any, target: Any, values: dict[OrgUnit, Decimal | None]) -> int:
    """Set a target's region breakdown (bureau staff only). None removes a region's share. Returns changes."""
    require_bureau(actor, _("Only bureau staff set region targets."))
    changes = 0
    with transaction.atomic():
        current = {a.region_id: a for a in TargetAllocation.objects.filter(target=target)}
        for region, value in values.items():
            found = current.get(region.pk)
            if value is None:
                if found is not None:
                    audit.record(
                        actor=actor,
                        action=audit.Action.DELETE,
                        obj=found,
                        changes={"value": [audit._jsonable(found.value), None]},
                    )
                    found.delete()
                    changes += 1
                continue
            if found is None:
                found = TargetAllocation(target=target, region=region)
            found.value = value
            if audit.save(found, actor=actor):
                changes += 1
    return changes


FEED_REASON = "数据来源模块的登记数据变动，自动更新"


def sync_feeds(years: Iterable[int] | None = None) -> int:
    """Write the observations other modules feed (core.registry.indicator_feeds), for `years` or all years.

    A feed reports in its indicator's unit. Each fed row becomes the observation of its region (or the city) and
    period (annual unless the row names a quarter); a period the module no longer reports (a registration
    cancelled) goes to 0. Past years are final, the current one preliminary; every change keeps a revision. A value
    a person entered (an official figure) is never overwritten: the pages show the fed count beside it
    (`fed_values`). One transaction per feed. Returns the number of observations created or changed."""
    wanted = None if years is None else {int(y) for y in years}
    units = {u.code: u for u in OrgUnit.objects.filter(kind__in=(OrgUnit.Kind.CITY, OrgUnit.Kind.REGION))}
    this_year = timezone.localdate().year
    changed = 0
    for feed in registry.indicator_feeds():
        indicator = Indicator.objects.filter(code=feed.code).first()
        if indicator is None or indicator.formula:
            continue
        values: dict[tuple[str, int, int], Decimal] = {}
        for row in map(lambda r: registry.FeedRow(*r), feed.rows(wanted)):
            if row.region_code in units and (wanted is None or row.year in wanted):
                values[(row.region_code, row.year, row.quarter)] = row.value
        with transaction.atomic():
            # a feed reports years and quarters; monthly values are the collection's and stay out of its reckoning
            stale = Observation.objects.filter(indicator=indicator, source=feed.source, month=0)
            if wanted is not None:
                stale = stale.filter(year__in=wanted)
            for key in stale.values_list("region__code", "year", "quarter"):
                values.setdefault(key, Decimal(0))
            entered = Observation.objects.filter(indicator=indicator, is_demo=False, month=0).exclude(
                source=feed.source
            )
            if wanted is not None:
                entered = entered.filter(year__in=wanted)
            for key in entered.values_list("region__code", "year", "quarter"):
                values.pop(key, None)
            for (code, year, quarter), value in sorted(values.items()):
                result = _upsert(
                    actor=None,
                    indicator=indicator,
                    region=units[code],
                    year=year,
                    quarter=quarter,
                    value=value,
                    status=Observation.Status.FINAL if year < this_year else Observation.Status.PRELIMINARY,
                    source=feed.source,
                    reason=FEED_REASON,
                )
                changed += result.changed
    return changed


# ---------------------------------------------------------------------------------------------------------------------
# Data collection: entry forms (data set × organisation × period), their workflow and the lock
# (the engine, the transition table and the validation rules: collection_rules.py)


def form_relations(user: Any, data_set: DataSet | None, org_unit: OrgUnit) -> set[str]:
    """The user's relations to one form (collection_rules): `reporter` for an officer of the reporting organisation,
    `bureau` for bureau staff; empty for anyone else. Who reads a form: these, and the read-only city-wide roles."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.role in BUREAU_ROLES:
        return {rules.BUREAU}
    own_kind = {Role.DISTRICT_OFFICER: OrgUnit.Kind.REGION, Role.DEPARTMENT_OFFICER: OrgUnit.Kind.DEPARTMENT}
    if own_kind.get(user.role) == org_unit.kind and can_write_unit(user, org_unit):
        return {rules.REPORTER}
    return set()


def can_read_form(user: Any, org_unit: OrgUnit) -> bool:
    """City-wide roles read every form; an officer only the forms of their own organisation."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in CITY_WIDE or bool(form_relations(user, None, org_unit))


def observation_region(org_unit: OrgUnit) -> OrgUnit:
    """Where a form's values are stored: a region's under the region, a department's under its city."""
    return org_unit if org_unit.kind == OrgUnit.Kind.REGION else org_unit.city


def collection_rules_of(data_set: DataSet) -> list[rules.Rule]:
    """The data set's rules for the engine, with its jump threshold applied to every field."""
    out = [
        rules.Rule(
            kind=r.kind,
            field=r.indicator.code,
            severity=r.severity,
            other=r.other.code if r.other_id else None,
            minimum=r.minimum,
            maximum=r.maximum,
            threshold=r.threshold / 100 if r.threshold is not None else None,
        )
        for r in data_set.rules.select_related("indicator", "other")
    ]
    if data_set.jump_threshold is not None:
        codes = {r.field for r in out if r.kind == rules.JUMP}
        out += [
            rules.Rule(rules.JUMP, i.code, rules.WARNING, threshold=data_set.jump_threshold / 100)
            for i in data_set.indicators.all()
            if i.code not in codes
        ]
    return out


def last_year_values(data_set: DataSet, org_unit: OrgUnit, year: int, period: int) -> dict[str, Decimal]:
    """The same period last year (the same quarter, the same month), for the jump rules (whatever its state: an
    unapproved value is still evidence)."""
    return dict(
        Observation.objects.filter(
            indicator__in=data_set.indicators.all(),
            region=observation_region(org_unit),
            year=year - 1,
            **data_set.observation_period(period),
        ).values_list("indicator__code", "value")
    )


def _check_period(data_set: DataSet, year: int, period: int) -> None:
    if not 1949 <= year <= 2100 or period not in data_set.periods():
        raise ValidationError({"period": _("This data set has no such period.")})


def submission_save(
    *,
    actor: Any,
    data_set: DataSet,
    org_unit: OrgUnit,
    year: int,
    period: int,
    values: dict[str, Decimal | None],
    comments: dict[str, str] | None = None,
    submit: bool = False,
) -> tuple[Submission, rules.Check]:
    """Save a form's values as observations of its organisation and period (one store of values: the observation,
    linked to this form), as a draft; with `submit`, every value must be there and no rule may block, and the form
    goes to the bureau. Refused outside the actor's organisation, on a locked or submitted form, or for an
    organisation that does not report this data set. Returns the form and the validation result (drafts save with
    their findings shown)."""
    relations = form_relations(actor, data_set, org_unit)
    if not relations or not data_set.org_units.filter(pk=org_unit.pk).exists():
        raise PermissionDenied(_("You may not enter this data set for this organisation."))
    _check_period(data_set, year, period)
    indicators = {i.code: i for i in data_set.indicators.all()}
    unknown = sorted(set(values) - set(indicators))
    if unknown:
        raise ValidationError({f"v_{code}": _("This indicator is not in the data set.") for code in unknown})
    comments = {k: v.strip()[:300] for k, v in (comments or {}).items() if k in indicators and (v or "").strip()}
    region = observation_region(org_unit)
    stored_period = data_set.observation_period(period)
    with transaction.atomic():
        key = {"data_set": data_set, "org_unit": org_unit, "year": year, "period": period}
        form = Submission.objects.select_for_update().filter(**key).first() or Submission(**key)
        action = rules.SUBMIT if submit else rules.SAVE
        try:
            new_state = rules.next_state(form.state, action, relations)
        except rules.TransitionRefused:
            raise ValidationError(
                {"__all__": _("This form is %(state)s: it cannot be changed.") % {"state": form.get_state_display()}}
            ) from None
        existing = {
            o.indicator.code: o
            # lock the observation rows only: PostgreSQL refuses FOR UPDATE on the nullable side of the join
            for o in Observation.objects.select_for_update(of=("self",))
            .filter(indicator__in=indicators.values(), region=region, year=year, **stored_period)
            .select_related("indicator", "submission__data_set")
        }
        errors: dict[str, str] = {}
        for code, value in values.items():
            found = existing.get(code)
            if found is not None and found.submission_id not in (None, form.pk):
                errors[f"v_{code}"] = _("Already reported in %(form)s.") % {"form": found.submission}
            elif value is None and found is not None and form.pk is not None and found.submission_id == form.pk:
                errors[f"v_{code}"] = _("An entered value cannot be cleared: enter the corrected value.")
        if errors:
            raise ValidationError(errors)
        full = {code: values.get(code, existing[code].value if code in existing else None) for code in indicators}
        check = rules.validate(
            full,
            collection_rules_of(data_set),
            last_year=last_year_values(data_set, org_unit, year, period),
            comments=comments,
            require_all=submit,
        )
        if submit and not check.ok:
            raise CollectionInvalid(check)
        # The form first (created on its first save, audited), then its values.
        form.state = new_state
        form.comments = comments
        if submit:
            form.submitted_at = timezone.now()
            form.submitted_by = actor
        audit.save(form, actor=actor)
        source = _("%(data_set)s, entered by %(org)s") % {"data_set": data_set.name, "org": org_unit.name}
        for code, value in values.items():
            if value is None:
                continue
            found = existing.get(code)
            if found is not None and found.value == value:
                # Unchanged: the stored value keeps its source and history; a value entered before the form (the
                # demo series, an import) joins the form.
                if found.submission_id != form.pk:
                    found.submission = form
                    audit.save(found, actor=actor, action=audit.Action.UPDATE)
                continue
            _upsert(
                actor=actor,
                indicator=indicators[code],
                region=region,
                year=year,
                **stored_period,
                value=value,
                status=found.status if found is not None else Observation.Status.PRELIMINARY,
                source=source,
                reason=_("Entered in the collection form %(form)s") % {"form": form},
                submission=form,
            )
    return form, check


class CollectionInvalid(ValidationError):
    """A submission refused by its validation rules; carries the engine's findings for the form to show."""

    def __init__(self, check: rules.Check) -> None:
        self.check = check
        super().__init__(
            {f"v_{f.field}": finding_message(f) for f in check.blocking}
            or {"__all__": _("The form does not pass its checks.")}
        )


def finding_message(finding: rules.Finding) -> str:
    """A validation finding in words, naming what broke and the bounds (the field is named by its place)."""
    rule = finding.rule
    if finding.kind == rules.MISSING:
        return _("Enter a value: the form is submitted complete.")
    if finding.kind == rules.RANGE:
        return _("%(value)s is outside the allowed range %(low)s – %(high)s.") % {
            "value": _num(finding.measured),
            "low": _num(rule.minimum) if rule.minimum is not None else "−∞",
            "high": _num(rule.maximum) if rule.maximum is not None else "∞",
        }
    if finding.kind == rules.RATIO:
        other = Indicator.objects.filter(code=rule.other).values_list("name", flat=True).first() or rule.other
        return _("The ratio to %(other)s is %(value)s, outside %(low)s – %(high)s.") % {
            "other": other,
            "value": _num(finding.measured),
            "low": _num(rule.minimum) if rule.minimum is not None else "−∞",
            "high": _num(rule.maximum) if rule.maximum is not None else "∞",
        }
    text = _("%(change)s against last year (%(last)s), beyond ±%(threshold)s%%.") % {
        "change": f"{finding.measured * 100:+.1f}%",
        "last": _num(finding.last),
        "threshold": _num(rule.threshold * 100),
    }
    if finding.severity == rules.WARNING:
        text += " " + (_("Explained by the comment.") if finding.explained else _("Give a comment to submit."))
    return text


def _num(value: Decimal | None) -> str:
    from kechuang.core.numbers import plain_decimal

    if value is None:
        return ""
    return plain_decimal(Decimal(value).quantize(Decimal("0.0001")).normalize())


def submission_step(*, actor: Any, submission: Submission, action: str, reason: str = "") -> Submission:
    """Approve (the period locks), return with a reason, or unlock with a reason: the bureau's steps on a form.
    Each is one transaction and one audit entry (the state and reason before and after)."""
    if action not in (rules.APPROVE, rules.RETURN, rules.UNLOCK):
        raise ValidationError({"action": _("Unknown step.")})
    relations = form_relations(actor, submission.data_set, submission.org_unit)
    if rules.BUREAU not in relations:
        raise PermissionDenied(_("Only bureau staff approve, return or unlock a form."))
    reason = (reason or "").strip()
    if action in rules.REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    with transaction.atomic():
        form = Submission.objects.select_for_update().get(pk=submission.pk)
        try:
            form.state = rules.next_state(form.state, action, relations)
        except rules.TransitionRefused:
            raise ValidationError(
                {
                    "__all__": _("This form is %(state)s: it cannot be %(action)s.")
                    % {"state": form.get_state_display(), "action": STEP_WORDS[action]}
                }
            ) from None
        if action == rules.APPROVE:
            form.approved_at, form.approved_by, form.reason = timezone.now(), actor, ""
        else:
            form.reason = reason[:300]
            if action == rules.UNLOCK:
                form.approved_at, form.approved_by = None, None
        audit.save(form, actor=actor, action=audit.Action.UPDATE)
    return form


STEP_WORDS = {
    rules.APPROVE: gettext_lazy("approved"),
    rules.RETURN: gettext_lazy("returned"),
    rules.UNLOCK: gettext_lazy("unlocked"),
}


def locked_form(indicator: Indicator, region: OrgUnit, year: int, quarter: int, month: int = 0) -> Submission | None:
    """The submitted or approved form that holds this value (of the year, a quarter or a month), if any: its values
    change only through the workflow (the single-value form and the import refuse them)."""
    period_type = (
        DataSet.PeriodType.MONTHLY if month else DataSet.PeriodType.QUARTERLY if quarter else DataSet.PeriodType.YEARLY
    )
    return (
        Submission.objects.filter(
            data_set__indicators=indicator,
            data_set__period_type=period_type,
            year=year,
            period=month or quarter,
            state__in=(Submission.State.SUBMITTED, Submission.State.APPROVED),
        )
        .filter(Q(org_unit=region) | Q(org_unit__kind=OrgUnit.Kind.DEPARTMENT, org_unit__parent=region))
        .select_related("data_set", "org_unit")
        .first()
    )


REMINDER_DAYS_BEFORE = 7
ABOUT_DATA_SET = "indicators.dataset"  # what the message centre's reminders are about (core.messages.about_of)


@dataclass
class RemindersResult:
    sent: list[tuple[str, str, str, str]]  # (data set, organisation, period, kind) of the forms reminded today
    messages: int = 0  # messages created (one per officer and form)


REMINDER_KEY = "indicators.collection:"


def reminder_key(data_set: DataSet, org_unit: OrgUnit, year: int, period: int, kind: str, due: dt.date) -> str:
    """The message centre's key of a reminder: the form, the kind and its due day. One message per officer and key, so
    the daily run sends nothing twice; a moved deadline (the data set's days changed) is news and gets its own."""
    return f"{REMINDER_KEY}{data_set.pk}:{org_unit.pk}:{year}:{period}:{kind}:{due:%Y-%m-%d}"


def message_needs_action() -> tuple[frozenset[str], Q]:
    """A reminder asks for a form's missing values: it needs action until they are there — the form submitted or
    approved, or every value entered — whether or not the message was opened (registry hook `message_needs_action`,
    the message centre's own rule). The form is the one the reminder's key names (reminder_key: a form not started
    has no row to be about), so the rule matches the key's form part, built here from the form's fields."""
    from django.db.models import CharField, Exists, OuterRef, Value
    from django.db.models.functions import Cast, Concat, Length, Substr

    from kechuang.core.models import Message
    from kechuang.indicators import selectors

    def text(field: str) -> Cast:
        return Cast(field, output_field=CharField())

    form_key = Concat(
        Value(REMINDER_KEY),
        *(part for field in ("data_set_id", "org_unit_id", "year", "period") for part in (text(field), Value(":"))),
        output_field=CharField(),
    )
    # the one completeness rule of a form (selectors.FORM_HANDLED), as the reminders job reads it
    done = (
        selectors.forms_with_progress(Submission.objects.filter(data_set=OuterRef("about_id")))
        .annotate(form_key=form_key)
        .filter(form_key=Substr(OuterRef("key"), 1, Length("form_key")), handled=True)
    )
    reminders = Q(about_type=ABOUT_DATA_SET, kind__in=(Message.Kind.DEADLINE, Message.Kind.OVERDUE))
    return frozenset({ABOUT_DATA_SET}), reminders & ~Exists(done)


def _reminder_text(
    data_set: DataSet, unit: OrgUnit, label: str, due: dt.date, missing: int, expected: int, overdue: bool
) -> tuple[str, str]:
    facts = {"data_set": data_set.name, "period": label, "n": missing, "due": f"{due:%Y-%m-%d}"}
    if overdue:
        subject = _("[Data collection] %(data_set)s %(period)s: overdue since %(due)s, %(n)s values missing") % facts
    else:
        subject = _("[Data collection] %(data_set)s %(period)s: due on %(due)s, %(n)s values missing") % facts
    body = _("%(org)s: the form is due on %(due)s; %(n)s of %(expected)s values are missing.") % {
        "org": unit.name,
        "due": f"{due:%Y-%m-%d}",
        "n": missing,
        "expected": expected,
    }
    return subject, body


@transaction.atomic
def collection_reminders_send(*, today: Any, days_before: int = REMINDER_DAYS_BEFORE) -> RemindersResult:
    """Remind the reporting officers of every form with missing values, through the message centre
    (core.messages.notify: the inbox, and e-mail after the commit): `days_before` its deadline (due soon) and once
    it is past (overdue). Each (officer, form, kind) once: the message's key (`reminder_key`) makes a second run, or
    two at once, send nothing twice. Forms of this year and last year are looked at (older ones are the bureau's to
    chase by hand). One transaction: a failure sends nothing."""
    from django.conf import settings
    from django.utils import translation

    from kechuang.core.messages import notify
    from kechuang.core.models import Message, User
    from kechuang.indicators import selectors

    result = RemindersResult(sent=[])
    officer_role = {OrgUnit.Kind.REGION: Role.DISTRICT_OFFICER, OrgUnit.Kind.DEPARTMENT: Role.DEPARTMENT_OFFICER}
    data_sets = list(DataSet.objects.filter(is_active=True).prefetch_related("org_units", "indicators"))
    officers: dict[int, list[User]] = {}
    units = {u.pk: u for d in data_sets for u in d.org_units.all()}
    for user in User.objects.filter(org_unit_id__in=units, is_active=True, role__in=officer_role.values()):
        if officer_role.get(units[user.org_unit_id].kind) == user.role:
            officers.setdefault(user.org_unit_id, []).append(user)
    with translation.override(settings.LANGUAGE_CODE):
        for data_set in data_sets:
            expected = len(data_set.indicators.all())
            for year in (today.year - 1, today.year):
                for period in selectors.periods_of(data_set, year):
                    due = selectors.form_deadline(data_set, year, period)
                    if due - today > dt.timedelta(days=days_before):
                        continue
                    overdue = today > due
                    kind = Message.Kind.OVERDUE if overdue else Message.Kind.DEADLINE
                    label = period_label(year, period, data_set.period_type)
                    # the one completeness rule of a form (selectors.FORM_HANDLED), as the message centre reads it
                    forms = {
                        s.org_unit_id: s
                        for s in selectors.forms_with_progress(
                            Submission.objects.filter(data_set=data_set, year=year, period=period)
                        )
                    }
                    for unit in data_set.org_units.all():
                        form = forms.get(unit.pk)
                        if form is not None and form.handled:
                            continue
                        missing = expected - (form.entered if form is not None else 0)
                        subject, body = _reminder_text(data_set, unit, label, due, missing, expected, overdue)
                        ids = notify(
                            officers.get(unit.pk, []),
                            kind=kind,
                            subject=subject,
                            body=body,
                            url=reverse("indicators:collection_entry", args=[data_set.code, unit.code, label]),
                            key=reminder_key(data_set, unit, year, period, kind, due),
                            about=data_set,
                        )
                        if ids:
                            result.sent.append((data_set.code, unit.code, label, kind))
                            result.messages += len(ids)
    return result


def data_set_save(
    *, actor: Any, data_set: DataSet, indicators: Iterable[Indicator], org_units: Iterable[OrgUnit]
) -> bool:
    """Create or change a data set (bureau staff), with its indicators and reporting organisations; one audit entry
    for the fields and one for the lists when they change. Returns whether anything changed."""
    require_bureau(actor, _("Only bureau staff manage data sets."))
    indicators, org_units = list(indicators), list(org_units)
    if not indicators:
        raise ValidationError({"indicators": _("Choose at least one indicator.")})
    if not org_units:
        raise ValidationError({"org_units": _("Choose at least one reporting organisation.")})
    derived = [i.name for i in indicators if i.formula]
    if derived:
        raise ValidationError(
            {
                "indicators": _("Derived indicators are computed, never entered: %(names)s")
                % {"names": "、".join(derived)}
            }
        )
    wrong = [u.name for u in org_units if u.kind != data_set.reporter]
    if wrong:
        raise ValidationError(
            {"org_units": _("%(units)s do not report this kind of data set.") % {"units": "、".join(wrong)}}
        )
    with transaction.atomic():
        changed = bool(audit.save(data_set, actor=actor))
        before = {
            "indicators": sorted(data_set.indicators.values_list("code", flat=True)),
            "org_units": sorted(data_set.org_units.values_list("code", flat=True)),
        }
        after = {"indicators": sorted(i.code for i in indicators), "org_units": sorted(u.code for u in org_units)}
        if before != after:
            data_set.indicators.set(indicators)
            data_set.org_units.set(org_units)
            audit.record(
                actor=actor,
                action=audit.Action.UPDATE,
                obj=data_set,
                changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
            )
            changed = True
    return changed


def validation_rule_add(*, actor: Any, rule: ValidationRule) -> ValidationRule:
    """Add a rule to a data set (bureau staff); its indicators must be in the data set."""
    require_bureau(actor, _("Only bureau staff manage data sets."))
    codes = set(rule.data_set.indicators.values_list("pk", flat=True))
    for name in ("indicator", "other"):
        if getattr(rule, f"{name}_id") is not None and getattr(rule, f"{name}_id") not in codes:
            raise ValidationError({name: _("This indicator is not in the data set.")})
    with transaction.atomic():
        audit.save(rule, actor=actor)
    return rule


def validation_rule_remove(*, actor: Any, rule: ValidationRule) -> None:
    require_bureau(actor, _("Only bureau staff manage data sets."))
    with transaction.atomic():
        audit.record(actor=actor, action=audit.Action.DELETE, obj=rule, changes=audit.diff(audit.snapshot(rule), None))
        rule.delete()
