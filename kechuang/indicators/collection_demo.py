"""Demo data of data collection (called by `demo.load_demo`, idempotent): three kinds of data set and forms in every
state, so that the completeness board, the forms awaiting approval and the reminders show something after
`make run`.

- the regions' yearly statistics for last year (deadline 90 days): most approved (their values are the demo series
  already loaded, now linked to the forms), one submitted late, the last few regions not started (overdue);
- the regions' quarterly figures (cumulative) for every quarter since January last year that has ended: approved
  but for the latest, which is mostly submitted, with a returned form, a few drafts and a few forms not started; a
  draft carries a jump against last year that needs a comment;
- each department's yearly indicators (the ones it is responsible for, not counted by a register) for last year;
- the regions' monthly technology-contract registration return (turnover by seller and by buyer, cumulative to the
  month's end, due 10 days after the month) for every month since January last year that has ended: approved but
  for the latest, as the quarterly figures. Added to a database that already has the other data sets too (it
  came later).

Timeliness as a bureau sees it: most forms are submitted inside their window, about one in twelve a few days late
(`is_late`, a different organisation each period), and a few of the latest period's are still missing. Everything
follows from the organisation's position and the period, so the demo is the same on every run.

Only values that no dashboard shows yet are put in unapproved forms (quarterly region figures, department values
not in the demo series), so the dashboards of the demo stay as they were. Everything is built from the org units
and the catalogue: nothing here names a city.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kechuang.core import audit, registry
from kechuang.core.models import OrgUnit
from kechuang.indicators import selectors
from kechuang.indicators.models import DataSet, Indicator, Observation, Submission, ValidationRule
from kechuang.indicators.services import collection_reminders_send

SOURCE = "演示数据（数据采集表，系统生成）"
ANNUAL = ("gdp", "rd_expenditure", "above_scale_industrial_output", "high_tech_output", "valid_invention_patents")
QUARTERLY = ("above_scale_industrial_output", "high_tech_output", "tech_contract_turnover_output")
MONTHLY = ("tech_contract_turnover_output", "tech_contract_turnover_absorbed")
MONTHLY_CODE = "regions-monthly-contracts"
CUMULATIVE = {1: Decimal("0.23"), 2: Decimal("0.48"), 3: Decimal("0.74"), 4: Decimal("1")}
APPROVED, SUBMITTED, RETURNED, DRAFT = (
    Submission.State.APPROVED,
    Submission.State.SUBMITTED,
    Submission.State.RETURNED,
    Submission.State.DRAFT,
)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def load_collection_demo(city: OrgUnit) -> str:
    indicators = {i.code: i for i in Indicator.objects.filter(formula="")}
    if not all(code in indicators for code in (*ANNUAL, *QUARTERLY, *MONTHLY)):
        return "data collection: catalogue incomplete, skipped"
    today = timezone.localdate()
    regions = list(
        OrgUnit.objects.filter(parent=city, kind=OrgUnit.Kind.REGION, is_active=True, in_partition=True).order_by(
            "sort_order"
        )
    )
    monthly = 0
    if not DataSet.objects.filter(code=MONTHLY_CODE).exists():
        with transaction.atomic():
            monthly_set = _data_set(
                MONTHLY_CODE, "区县技术合同登记月报（累计）", DataSet.PeriodType.MONTHLY, 10, regions, MONTHLY, 50
            )
            for code in MONTHLY:
                _rule(monthly_set, "range", indicators[code], None, "0", None)
            monthly = _monthly_forms(monthly_set, regions, today)
    if DataSet.objects.exclude(code=MONTHLY_CODE).exists():
        sent = collection_reminders_send(today=today) if monthly else None
        return f"data collection: kept, {monthly} monthly forms" + (f", {len(sent.sent)} reminders" if sent else "")
    with transaction.atomic():
        annual = _data_set("regions-annual", "区县年度科技统计", DataSet.PeriodType.YEARLY, 90, regions, ANNUAL, 30)
        _rule(annual, "ratio", indicators["rd_expenditure"], indicators["gdp"], "0.002", "0.08", severity="warning")
        _rule(annual, "ratio", indicators["high_tech_output"], indicators["above_scale_industrial_output"], "0", "1")
        _rule(annual, "range", indicators["valid_invention_patents"], None, "0", None)
        quarterly = _data_set(
            "regions-quarterly",
            "区县季度经济科技指标（累计）",
            DataSet.PeriodType.QUARTERLY,
            20,
            regions,
            QUARTERLY,
            30,
        )
        _rule(quarterly, "ratio", indicators["high_tech_output"], indicators["above_scale_industrial_output"], "0", "1")
        _rule(quarterly, "range", indicators["tech_contract_turnover_output"], None, "0", None)
        forms = _annual_forms(annual, regions, today) + _quarterly_forms(quarterly, regions, today)
        forms += _department_forms(city, indicators, today) + monthly
        audit.record(
            actor=None,
            action=audit.Action.IMPORT,
            object_type="indicators.submission",
            object_label="演示数据",
            detail={"data_sets": DataSet.objects.count(), "forms": forms},
        )
    sent = collection_reminders_send(today=today)
    return f"data collection: {DataSet.objects.count()} data sets, {forms} forms, {len(sent.sent)} reminders"


def _data_set(code, name, period_type, days, units, codes, jump) -> DataSet:
    data_set = DataSet.objects.create(
        code=code,
        name=name,
        period_type=period_type,
        deadline_days=days,
        reporter=units[0].kind,
        jump_threshold=Decimal(jump) if jump is not None else None,
    )
    data_set.org_units.set(units)
    data_set.indicators.set(Indicator.objects.filter(code__in=codes))
    return data_set


def _rule(data_set, kind, indicator, other, minimum, maximum, severity="error") -> None:
    ValidationRule.objects.create(
        data_set=data_set,
        kind=kind,
        indicator=indicator,
        other=other,
        minimum=Decimal(minimum) if minimum is not None else None,
        maximum=Decimal(maximum) if maximum is not None else None,
        severity=severity,
    )


def _form(data_set, unit, year, period, state, index, reason="", comments=None) -> Submission:
    due = selectors.form_deadline(data_set, year, period)
    end = selectors.period_end(data_set, year, period)
    form = Submission(
        data_set=data_set, org_unit=unit, year=year, period=period, state=state, is_demo=True, reason=reason
    )
    form.comments = comments or {}
    # Never in the future, and the same on every load of the same day (the demo is rebuilt to the same forms): a
    # form submitted today at 10:00 is dated at midnight while the morning is young, and approved as it is submitted.
    now = timezone.now()
    if state in (APPROVED, SUBMITTED, RETURNED):
        day = min(submitted_on(end, due, index, year, period), timezone.localdate())
        form.submitted_at = _at(day) if _at(day) <= now else _at(day, 0)
    if state == APPROVED:
        # two days after the submission, or the same afternoon for one submitted today
        days = min(2, (timezone.localdate() - timezone.localtime(form.submitted_at).date()).days)
        approved = form.submitted_at + dt.timedelta(days=days, hours=0 if days else 4)
        form.approved_at = approved if approved <= now else form.submitted_at
    form.save()
    return form


def is_late(index: int, year: int, period: int) -> bool:
    """About one form in twelve is submitted after its deadline, a different organisation each period (seven is
    prime to twelve, so every organisation of twelve is late once in twelve periods): timeliness has a story
    without a third of the forms late."""
    return (index * 7 + period * 5 + year) % 12 == 0


def submitted_on(end: dt.date, due: dt.date, index: int, year: int, period: int) -> dt.date:
    """When the demo's organisation submitted a form: inside the window between the period's end and its deadline
    for most (spread over it, never on the last day), two to six days after the deadline for the late ones."""
    if is_late(index, year, period):
        return due + dt.timedelta(days=2 + (index + period) % 5)
    window = max(1, (due - end).days - 1)
    return end + dt.timedelta(days=1 + (index * 3 + period + year) % window)


def _store(form: Submission, indicator: Indicator, region: OrgUnit, value: Decimal) -> None:
    """Link the existing demo value to the form, or create it (quarterly figures, department values)."""
    period = form.data_set.observation_period(form.period)
    found = Observation.objects.filter(indicator=indicator, region=region, year=form.year, **period).first()
    if found is not None:
        found.submission = form
        found.save(update_fields=["submission"])
        return
    Observation.objects.create(
        indicator=indicator,
        region=region,
        year=form.year,
        **period,
        value=value,
        status=Observation.Status.PRELIMINARY,
        source=SOURCE,
        is_demo=True,
        submission=form,
    )


def _annual_forms(data_set: DataSet, regions: list[OrgUnit], today: dt.date) -> int:
    """Last year's statistics: approved but for the last two regions (not started: overdue once the deadline is
    past). Their values are the demo series, so the dashboards keep them."""
    year = today.year - 1
    count = 0
    for index, region in enumerate(regions):
        if index >= len(regions) - 2:
            continue
        stored = dict(
            Observation.objects.annual()
            .filter(indicator__code__in=ANNUAL, region=region, year=year)
            .values_list("indicator__code", "value")
        )
        if len(stored) < len(ANNUAL):
            continue  # a short demo span: leave it not started
        form = _form(data_set, region, year, 0, APPROVED, index)
        for indicator in data_set.indicators.all():
            _store(form, indicator, region, stored[indicator.code])
        count += 1
    return count


def _ended_quarters(today: dt.date, n: int) -> list[tuple[int, int]]:
    """The last `n` quarters that have ended, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(n):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        out.append((year, quarter))
    return out[::-1]


def _quarterly_forms(data_set: DataSet, regions: list[OrgUnit], today: dt.date) -> int:
    rng = random.Random(20240101)  # nosec B311  # seeded pseudo-random demo figures, never for secrets
    # every quarter since the first of last year, so the latest has its same quarter a year before
    quarters = _ended_quarters(today, 4 + (today.month - 1) // 3)
    annual = {
        (code, region_id, year): value
        for code, region_id, year, value in Observation.objects.annual()
        .filter(indicator__code__in=QUARTERLY, region__in=regions)
        .values_list("indicator__code", "region_id", "year", "value")
    }
    latest_year = max((y for _c, _r, y in annual), default=today.year - 1)
    count = 0
    for step, (year, quarter) in enumerate(quarters):
        for index, region in enumerate(regions):
            state = _recent_state(len(quarters) - 1 - step, index)
            if state is None:
                continue
            values = {}
            for code in QUARTERLY:
                base = annual.get((code, region.pk, min(year, latest_year)))
                if base is None:
                    break
                growth = Decimal("1.06") ** max(0, year - latest_year)
                jitter = Decimal(str(round(rng.uniform(0.97, 1.03), 3)))
                values[code] = (base * growth * CUMULATIVE[quarter] * jitter).quantize(Decimal("0.01"))
            if len(values) < len(QUARTERLY):
                continue
            comments = {}
            if state == DRAFT and index == 3:
                # A jump against the same quarter last year, not yet explained: the form shows the warning.
                values["tech_contract_turnover_output"] *= Decimal("1.6")
                values.pop("high_tech_output")  # and one value still missing
            reason = "高新技术产业产值口径与统计局不一致，请核对后重报" if state == RETURNED else ""
            form = _form(data_set, region, year, quarter, state, index, reason=reason, comments=comments)
            for indicator in data_set.indicators.all():
                if indicator.code in values:
                    _store(form, indicator, region, values[indicator.code])
            count += 1
    return count


def _department_forms(city: OrgUnit, indicators: dict[str, Indicator], today: dt.date) -> int:
    """A yearly data set per department for the indicators it is responsible for (none a register counts): the
    first approved, the second submitted, the third a draft, the others not started."""
    rng = random.Random(20240102)  # nosec B311  # seeded pseudo-random demo figures, never for secrets
    fed = {feed.code for feed in registry.indicator_feeds()}
    year = today.year - 1
    count = 0
    departments = OrgUnit.objects.filter(parent=city, kind=OrgUnit.Kind.DEPARTMENT, is_active=True).order_by(
        "sort_order"
    )
    for index, department in enumerate(departments):
        own = [
            i
            for i in department.indicators.filter(formula="", in_catalogue=True).order_by("code")
            if i.code not in fed and i.aggregation in (Indicator.Aggregation.SUM, Indicator.Aggregation.RATIO_OF_SUMS)
        ]
        if not own:
            continue
        data_set = _data_set(
            f"{department.code}-annual",
            f"{department.name}年度指标",
            DataSet.PeriodType.YEARLY,
            60,
            [department],
            [i.code for i in own],
            30,
        )
        stored = dict(
            Observation.objects.annual()
            .filter(indicator__in=own, region=city, year=year)
            .values_list("indicator__code", "value")
        )
        order = count
        state = (APPROVED, SUBMITTED, DRAFT)[order] if order < 3 else None
        if state is not None and state != APPROVED and stored:
            state = APPROVED  # a value already on the dashboards stays approved
        if state is not None:
            form = _form(data_set, department, year, 0, state, index)
            for indicator in own:
                value = stored.get(indicator.code, Decimal(rng.randint(40, 900)))
                if state == DRAFT and indicator == own[-1] and len(own) > 1:
                    continue
                _store(form, indicator, city, value)
        count += 1
    return count


def _ended_months(today: dt.date, n: int) -> list[tuple[int, int]]:
    """The last `n` months that have ended, oldest first."""
    year, month = today.year, today.month
    out = []
    for _ in range(n):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append((year, month))
    return out[::-1]


def _monthly_forms(data_set: DataSet, regions: list[OrgUnit], today: dt.date) -> int:
    """The monthly contract registration return: turnover by seller grows through the year from the region's yearly
    figure (cumulative: a twelfth of it each month, with some noise), turnover by buyer about 85 % of it."""
    rng = random.Random(20240103)  # nosec B311  # seeded pseudo-random demo figures, never for secrets
    annual = {
        (region_id, year): value
        for region_id, year, value in Observation.objects.annual()
        .filter(indicator__code=MONTHLY[0], region__in=regions)
        .values_list("region_id", "year", "value")
    }
    latest_year = max((y for _r, y in annual), default=today.year - 1)
    count = 0
    months = _ended_months(today, 12 + today.month - 1)
    so_far: dict[tuple[int, int], Decimal] = {}  # (region, year): the cumulative figure up to the month
    for step, (year, month) in enumerate(months):
        for index, region in enumerate(regions):
            state = _recent_state(len(months) - 1 - step, index)
            base = annual.get((region.pk, min(year, latest_year)))
            if state is None or base is None:
                continue
            growth = Decimal("1.06") ** max(0, year - latest_year)
            # the noise is the month's own (a month's registrations vary by about a tenth), added up through the
            # year: noise on the cumulative figure would make a month alone swing by a fifth from one to the next
            jitter = Decimal(str(round(rng.uniform(0.9, 1.1), 3)))
            key = (region.pk, year)
            so_far[key] = so_far.get(key, Decimal(0)) + base * growth / 12 * jitter
            output = so_far[key].quantize(Decimal("0.01"))
            values = {MONTHLY[0]: output, MONTHLY[1]: (output * Decimal("0.85")).quantize(Decimal("0.01"))}
            if state == DRAFT and index % 2:
                values.pop(MONTHLY[1])  # a draft with a value still missing
            reason = "吸纳额含区外登记合同，请按买方所在地口径重报" if state == RETURNED else ""
            form = _form(data_set, region, year, month, state, index, reason=reason)
            for indicator in data_set.indicators.all():
                if indicator.code in values:
                    _store(form, indicator, region, values[indicator.code])
            count += 1
    return count


def _recent_state(back: int, index: int) -> str | None:
    """The state of a region's form `back` periods before the latest ended one (monthly and quarterly alike): the
    earlier periods approved (the one before last is complete, the briefings' latest final figure); the latest
    mostly submitted and awaiting approval, one returned, a few drafts and a few not started (the forms to chase)."""
    if back >= 1:
        return APPROVED
    return {3: DRAFT, 6: None, 7: RETURNED, 9: None, 10: DRAFT}.get(index, SUBMITTED)
