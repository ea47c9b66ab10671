"""What the technology market offers the indicator module (its contract; the logic is in selectors).

`contract_turnover(year=None)` → [{basis: 'output'|'absorbed', region_code, year, amount_wan, ...}]: registered
technology-contract turnover (合同成交额, 万元) per registration year and region of the city, on the seller
(技术输出) and buyer (技术吸纳) bases kept apart. Extra keys: `technology_amount_wan` (approved 技术交易额) and
`contracts` (number of contracts).
"""

from __future__ import annotations

from typing import Any


def contract_turnover(year: int | None = None) -> list[dict[str, Any]]:
    from kechuang.techmarket.selectors import contract_turnover as turnover

    return turnover(year)


__all__ = ["contract_turnover"]
