"""The ladder's measures, one name each, used by every tier's rules: the facts columns they read and the ratios they
compare. A rule module never defines its own column or ratio for one of these (no `rd` beside `rd_expense`, no
`_debt` beside `debt_ratio`); a measure only one tier reads may stay in its module.

Yearly facts are keyed by their offset from the latest fiscal year L (0 = L, -1 = L-1, -2 = L-2); money is in fen
after flattening (ladder-facts-format.md).
"""

from __future__ import annotations

from .expr import Col, Node
from .rules import Ratio, col, year

YEARS = (0, -1, -2)

# --- facts columns -----------------------------------------------------------------------------------------------


def _yearly(field_name: str) -> dict[int, Col]:
    return {k: year(field_name, k) for k in YEARS}


operating_revenue = _yearly("operating_revenue_wan")
main_business_revenue = _yearly("main_business_revenue_wan")
rd_expense = _yearly("rd_expense_wan")
domestic_rd_expense = _yearly("domestic_rd_expense_wan")
cost_expense_total = _yearly("cost_expense_total_wan")
total_assets = _yearly("total_assets_wan")
total_liabilities = _yearly("total_liabilities_wan")
net_profit = _yearly("net_profit_wan")
net_assets: dict[int, Node] = {k: total_assets[k] - total_liabilities[k] for k in YEARS}

employees = col("employees_total")
st_staff = col("st_staff")
rd_staff = col("rd_staff")
ip_class_I = col("ip.class_I")
ip_class_II = col("ip.class_II")
equity_financing_2y = col("equity_financing_qualified_2y_wan")
niche_years = col("market_segment_years")
niche_share_pct = col("niche_market_share_pct")

# --- ratios ------------------------------------------------------------------------------------------------------


def rd_ratio(k: int = 0, label: str = "研发费用占比") -> Ratio:
    """R&D expense ÷ operating revenue of year L+k."""
    return Ratio(
        rd_expense[k], operating_revenue[k], label, num_label="研发投入", den_label="营业收入", lever=rd_expense[k]
    )


def rd_cost_ratio() -> Ratio:
    """R&D expense ÷ total cost and expense of year L."""
    return Ratio(
        rd_expense[0],
        cost_expense_total[0],
        "研发费用占成本费用比例",
        num_label="研发投入",
        den_label="成本费用总额",
        lever=rd_expense[0],
    )


def debt_ratio() -> Ratio:
    """Liabilities ÷ assets at the end of year L (资产负债率)."""
    return Ratio(
        total_liabilities[0],
        total_assets[0],
        "资产负债率",
        num_label="负债",
        den_label="资产总额",
        lever=total_liabilities[0],
    )


def main_business_share() -> Ratio:
    """Main business revenue ÷ operating revenue of year L."""
    return Ratio(
        main_business_revenue[0],
        operating_revenue[0],
        "主营业务收入占比",
        num_label="主营业务收入",
        den_label="营业收入",
        lever=main_business_revenue[0],
    )


def net_profit_margin() -> Ratio:
    """Net profit ÷ operating revenue of year L."""
    return Ratio(
        net_profit[0], operating_revenue[0], "净利润率", num_label="净利润", den_label="营业收入", lever=net_profit[0]
    )


def st_staff_ratio() -> Ratio:
    """S&T staff ÷ employees."""
    return Ratio(
        st_staff, employees, "科技人员占比", num_label="科技人员", den_label="职工总数", money=False, lever=st_staff
    )


def rd_staff_ratio() -> Ratio:
    """R&D staff ÷ employees."""
    return Ratio(
        rd_staff, employees, "研发人员占比", num_label="研发人员", den_label="职工总数", money=False, lever=rd_staff
    )
