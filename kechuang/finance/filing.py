"""The monthly filing of S&T loans to the province: one workbook per month, in the column set of
data/filing_columns.yaml (a default: the reference does not give the province's layout), with a summary sheet of
what the province publishes (banks, firms, loans, amount, average rate)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kechuang.finance.models import Loan
from kechuang.finance.services import data_file

FIELDS = {
    "seq": lambda loan, i: i,
    "product": lambda loan, i: loan.get_product_display(),
    "bank": lambda loan, i: loan.bank,
    "enterprise_name": lambda loan, i: loan.enterprise_name,
    "credit_code": lambda loan, i: loan.credit_code,
    "tech_sme_number": lambda loan, i: loan.tech_sme_number,
    "region": lambda loan, i: loan.region.name,
    "amount_wan": lambda loan, i: loan.amount_wan,
    "rate_pct": lambda loan, i: loan.rate_pct,
    "term_months": lambda loan, i: loan.term_months,
    "purpose": lambda loan, i: loan.get_purpose_display(),
    "month": lambda loan, i: loan.month.strftime("%Y-%m"),
    "status": lambda loan, i: loan.get_status_display(),
}


def columns() -> dict[str, Any]:
    """The column set (header, field) with its version and whether the province confirmed it."""
    spec = data_file("filing_columns.yaml")
    unknown = [c["field"] for c in spec["columns"] if c["field"] not in FIELDS]
    if unknown:
        raise ValueError(f"filing_columns.yaml names unknown fields: {unknown}")
    return spec


def rows(loans: QuerySet[Loan], *, codes: bool = True) -> list[list[Any]]:
    """The filing's rows; without `codes` (a reader who does not read the register) the credit-code cells blank."""
    spec = columns()
    hidden = set() if codes else {"credit_code"}
    return [
        ["" if c["field"] in hidden else FIELDS[c["field"]](loan, i) for c in spec["columns"]]
        for i, loan in enumerate(loans.order_by("product", "bank", "credit_code", "id"), start=1)
    ]


def summary(loans: QuerySet[Loan]) -> dict[str, Any]:
    items = list(loans.values_list("bank", "credit_code", "amount_wan", "rate_pct"))
    amount = sum((a for _b, _c, a, _r in items), Decimal(0))
    weighted = sum((a * r for _b, _c, a, r in items), Decimal(0))
    return {
        "banks": len({b for b, _c, _a, _r in items}),
        "firms": len({c for _b, c, _a, _r in items}),
        "loans": len(items),
        "amount": amount,
        # the average rate weighted by amount (what the province publishes as the average rate)
        "average_rate": (weighted / amount).quantize(Decimal("0.01")) if amount else None,
    }


def summary_rows(month: dt.date, loans: QuerySet[Loan]) -> list[list[Any]]:
    s = summary(loans)
    spec = columns()
    return [
        [_("Month"), month.strftime("%Y-%m")],
        [_("Banks"), s["banks"]],
        [_("Firms"), s["firms"]],
        [_("Number of loans"), s["loans"]],
        [_("Amount (万元)"), s["amount"]],
        [_("Average annual rate, weighted by amount (%)"), s["average_rate"] if s["average_rate"] is not None else ""],
        [_("Column set"), spec["version"]],
        [_("Column set confirmed by the province"), _("yes") if spec.get("verified") else _("no (platform default)")],
    ]
