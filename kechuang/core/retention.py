"""The retention job (checklist item 17; PIPL arts. 19, 47): every registered personal field with a retention is
blanked (anonymised) once its record is past it: `retention` after `retention_from`, and for records with a status
only once closed. The record itself stays (statistics, contracts, the audit trail); one audit entry per run gives
the count per model and field. Run by `manage.py purge_personal_data` or the `purge_personal_data` task."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from kechuang.core import audit, personal_data

PURGE_ACTION = "purge"


def _present(field: models.Field) -> Q:
    """Rows where `field` still holds something."""
    q = ~Q(**{field.name: ""})
    return q & Q(**{f"{field.name}__isnull": False}) if field.null else q


def _blank(field: models.Field) -> Any:
    return None if field.null else ""


def due(now: dt.datetime | None = None) -> dict[tuple[str, tuple[str, ...]], models.QuerySet]:
    """{(model label, fields): rows past their retention that still hold one of those fields}."""
    now = now or timezone.now()
    groups: dict[tuple[str, str, dt.timedelta, tuple[str, ...]], list[str]] = defaultdict(list)
    for entry in personal_data.REGISTRY:
        if entry.retention is None:
            continue
        groups[(entry.model, entry.retention_from, entry.retention, entry.closed_states)].append(entry.field)
    out = {}
    for (label, since, retention, closed), names in groups.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        fields = [model._meta.get_field(n) for n in names]
        present = Q()
        for field in fields:
            present |= _present(field)
        qs = model._default_manager.filter(present, **{f"{since}__lt": now - retention})
        if closed:
            qs = qs.filter(status__in=closed)
        out[(label, tuple(names))] = qs
    return out


IMPORT_FILES = "core.importjob:upload,error_workbook,errors"


def purge_import_files(now: dt.datetime) -> int:
    """Delete the files of imports finished longer ago than the import-file retention, and the row errors, which
    quote the rejected cells; the job keeps its kind, counts and outcome. Returns the jobs cleared."""
    from django.conf import settings

    from kechuang.core.models import ImportJob

    cutoff = now - dt.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    jobs = ImportJob.objects.filter(finished_at__lt=cutoff).filter(
        ~Q(upload="") | ~Q(error_workbook="") | ~Q(errors=[])
    )
    cleared = 0
    for job in jobs.iterator():
        with transaction.atomic():
            for file in (job.upload, job.error_workbook):
                if file:
                    file.delete(save=False)  # a file already gone is no error: the aim is that it is gone
            ImportJob.objects.filter(pk=job.pk).update(upload="", error_workbook="", errors=[])
        cleared += 1
    return cleared


def purge(*, now: dt.datetime | None = None, actor: Any = None) -> dict[str, int]:
    """Anonymise what is due; returns {"<model>.<field>,…": rows}. One transaction per model group, one audit
    entry for the run (also when nothing was due: the log shows the job ran)."""
    counts: dict[str, int] = {}
    for (label, names), qs in due(now).items():
        model = qs.model
        values: dict[str, Any] = {}
        concrete = {f.name for f in model._meta.concrete_fields}
        for name in names:
            values[name] = _blank(model._meta.get_field(name))
            if f"{name}_bidx" in concrete:
                values[f"{name}_bidx"] = ""
        with transaction.atomic():
            pks = list(qs.select_for_update().values_list("pk", flat=True))
            changed = model._default_manager.filter(pk__in=pks).update(**values) if pks else 0
        counts[f"{label}:{','.join(names)}"] = changed
    counts[IMPORT_FILES] = purge_import_files(now or timezone.now())
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=PURGE_ACTION,
            object_type="core.personaldata",
            object_label="purge_personal_data",
            detail={"rows": counts, "total": sum(counts.values())},
        )
    return counts
