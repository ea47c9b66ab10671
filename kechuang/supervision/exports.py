"""The period's consolidated report for the city leaders: a Word-like PDF (WeasyPrint) and Excel."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kechuang.core.exports import safe_cell
from kechuang.core.http import local_datetime_text
from kechuang.policy.models import Policy
from kechuang.supervision.models import ReportingPeriod


def status_label(code: str) -> str:
    return {
        "not_started": _("Not started"),
        "on_track": _("On track"),
        "delayed": _("Delayed"),
        "done": _("Done"),
        "accepted": _("Accepted"),
        "with_bureau": _("Submitted to the bureau"),
        "with_lead": _("Submitted to the lead department"),
        "returned": _("Returned"),
        "overdue": _("Overdue"),
        "pending": _("Not yet submitted"),
    }.get(code, code)


def render_pdf(policy: Policy, period: ReportingPeriod, data: dict[str, Any], today: dt.date) -> bytes:
    from weasyprint import HTML

    html = render_to_string("supervision/export_pdf.html", {"policy": policy, "period": period, "today": today, **data})
    return HTML(string=html).write_pdf()


def pdf_response(
    request: HttpRequest, policy: Policy, period: ReportingPeriod, data: dict[str, Any], today: dt.date
) -> HttpResponse:
    response = HttpResponse(render_pdf(policy, period, data, today), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="supervision-{period.code}.pdf"'
    return response


def xlsx_bytes(policy: Policy, period: ReportingPeriod, data: dict[str, Any], today: dt.date) -> bytes:
    from kechuang.core.exports import workbook

    buffer = io.BytesIO()
    book = workbook(buffer, in_memory=True)
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    section_fmt = book.add_format({"bold": True, "bg_color": "#F4F6F9"})
    red = book.add_format({"font_color": "#C62828", "valign": "top", "text_wrap": True})

    def sheet(name: str, headers: list[str], widths: list[int]):
        ws = book.add_worksheet(name[:31])
        ws.write_row(0, 0, headers, bold)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.freeze_panes(1, 0)
        return ws

    ws = sheet(
        _("Tasks"),
        [
            _("Section"),
            _("Task"),
            _("Status"),
            _("Lead departments"),
            _("Lead report"),
            _("Supporting departments' reports"),
            _("Work done"),
            _("Problems"),
            _("Next steps"),
        ],
        [22, 34, 10, 18, 16, 30, 60, 40, 40],
    )
    row = 1
    for block in data["sections"]:
        ws.write(row, 0, safe_cell(f"{block['section'].number}. {block['section'].title}"), section_fmt)
        row += 1
        for item in block["tasks"]:
            task = item["task"]
            leads = item["lead_reports"]
            status = item["status"]
            ws.write_row(
                row,
                0,
                [
                    "",
                    safe_cell(f"{task.number}. {task.title}"),
                    status_label(status.status) if status else "",
                    "、".join(str(r.department) for r in leads) or "、".join(str(d) for d in task.leads()),
                    "；".join(f"{status_label(r.cell)}{_(' (late)') if r.was_late else ''}" for r in leads),
                    "；".join(f"{r.department}：{status_label(r.cell)}" for r in item["support_reports"]),
                    safe_cell("\n\n".join(r.work_done for r in leads if r.work_done)),
                    safe_cell("\n\n".join(r.problems for r in leads if r.problems)),
                    safe_cell("\n\n".join(r.next_steps for r in leads if r.next_steps)),
                ],
                wrap,
            )
            if status and status.status == "delayed":
                ws.write(row, 2, status_label(status.status), red)
            row += 1

    ws = sheet(
        _("Overdue"),
        [_("Task"), _("Department"), pgettext("task role", "Role"), _("Due date"), _("State"), _("Days overdue")],
        [40, 24, 12, 12, 16, 10],
    )
    for r, report in enumerate(data["overdue"], start=1):
        ws.write_row(
            r,
            0,
            [
                safe_cell(f"{report.task_id and report.task.number}. {report.task.title}"),
                str(report.department),
                report.get_role_display(),
                report.due_date.isoformat(),
                report.get_state_display(),
                (today - report.due_date).days,
            ],
        )

    ws = sheet(
        _("All reports"),
        [
            _("Task"),
            _("Department"),
            pgettext("task role", "Role"),
            _("Due date"),
            _("State"),
            _("First submitted"),
            _("Late"),
            _("Accepted at"),
            _("Figures"),
        ],
        [10, 24, 12, 12, 16, 18, 8, 18, 40],
    )
    for r, report in enumerate(data["reports"], start=1):
        ws.write_row(
            r,
            0,
            [
                report.task.number,
                str(report.department),
                report.get_role_display(),
                report.due_date.isoformat(),
                status_label(report.cell),
                local_datetime_text(report.first_submitted_at),
                _("Yes") if report.was_late else "",
                local_datetime_text(report.accepted_at),
                safe_cell("；".join(f"{f.target.description} = {f.value.normalize():f}" for f in report.figures.all())),
            ],
        )
    book.close()
    return buffer.getvalue()


def xlsx_response(policy: Policy, period: ReportingPeriod, data: dict[str, Any], today: dt.date) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(policy, period, data, today),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="supervision-{period.code}.xlsx"'
    return response
