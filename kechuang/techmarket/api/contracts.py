"""API of technology contracts: list, read, turnover, writes, registration steps and statistics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination, year_query
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user
from kechuang.techmarket import selectors, services, workflow
from kechuang.techmarket.api._common import apply_patch, clean_words, region_by_code
from kechuang.techmarket.filters import ContractFilter
from kechuang.techmarket.models import (
    Contract,
    ContractField,
    ContractParty,
    ContractType,
    InstitutionType,
    NonTechnicalItem,
)

router = Router()


class PartyOut(Schema):
    role: str
    name: str
    credit_code: str
    nature: str
    region_code: str
    region: str | None


class ItemOut(Schema):
    kind: str
    description: str
    quantity: int
    amount_wan: Decimal


class ContractOut(Schema):
    id: int
    registration_number: str
    rule_version: str
    contract_type: str
    sub_type: str
    project_name: str
    subject: str
    tech_field: str
    region: str
    signed_on: dt.date
    valid_from: dt.date | None
    valid_until: dt.date | None
    submitted_on: dt.date | None
    accepted_on: dt.date | None
    registered_on: dt.date | None
    total_amount_wan: Decimal
    technology_amount_wan: Decimal | None
    amount_note: str
    in_writing: bool
    seals_consistent: bool
    monopolising_clauses: bool
    quantified_goal: str
    acceptance_clause: bool
    ip_ownership_stated: bool
    ip_numbers: list[str]
    licence_scope: str
    deliverable: str
    status: str
    status_reason: str
    parties: list[PartyOut]
    non_technical_items: list[ItemOut]


class TurnoverOut(Schema):
    basis: str
    region_code: str
    year: int
    amount_wan: Decimal
    technology_amount_wan: Decimal
    contracts: int


class PartyIn(Schema):
    role: str
    name: str
    credit_code: str = ""
    nature: str
    region: str | None = None
    region_code: str = ""


class ItemIn(Schema):
    kind: str
    description: str = ""
    quantity: int = 1
    amount_wan: Decimal


class ContractIn(Schema):
    contract_type: str
    sub_type: str = ""
    project_name: str
    subject: str
    tech_field: str
    region: str
    signed_on: dt.date
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    total_amount_wan: Decimal
    in_writing: bool = True
    seals_consistent: bool = True
    monopolising_clauses: bool = False
    quantified_goal: str = ""
    acceptance_clause: bool = False
    ip_ownership_stated: bool = False
    ip_numbers: list[str] = []
    licence_scope: str = ""
    deliverable: str = ""
    parties: list[PartyIn]
    non_technical_items: list[ItemIn] = []


class ContractPatch(Schema):
    contract_type: str | None = None
    sub_type: str | None = None
    project_name: str | None = None
    subject: str | None = None
    tech_field: str | None = None
    region: str | None = None
    signed_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    total_amount_wan: Decimal | None = None
    in_writing: bool | None = None
    seals_consistent: bool | None = None
    monopolising_clauses: bool | None = None
    quantified_goal: str | None = None
    acceptance_clause: bool | None = None
    ip_ownership_stated: bool | None = None
    ip_numbers: list[str] | None = None
    licence_scope: str | None = None
    deliverable: str | None = None
    parties: list[PartyIn] | None = None
    non_technical_items: list[ItemIn] | None = None


class ContractStepIn(Schema):
    on: dt.date | None = None
    note: str = ""
    technology_amount_wan: Decimal | None = None
    amount_note: str = ""
    registration_number: str = ""


class StatisticsCellOut(Schema):
    year: int
    output_wan: Decimal | None
    absorbed_wan: Decimal | None


class StatisticsRegionOut(Schema):
    region: str
    name: str
    cells: list[StatisticsCellOut]


class YearAmountOut(Schema):
    year: int
    amount_wan: Decimal


class StatisticsTypeOut(Schema):
    contract_type: str
    sub_type: str
    label: str
    year: int
    contracts: int
    amount_wan: Decimal | None
    technology_amount_wan: Decimal | None
    average_wan: Decimal | None


class StatisticsFieldOut(Schema):
    tech_field: str
    label: str
    year: int
    contracts: int
    amount_wan: Decimal | None
    technology_amount_wan: Decimal | None


class StatisticsPartyOut(Schema):
    year: int
    role: str
    role_label: str
    nature: str
    label: str
    contracts: int
    amount_wan: Decimal


class StatisticsOut(Schema):
    years: list[int]
    regions: list[StatisticsRegionOut]
    city_output: list[YearAmountOut]
    by_type: list[StatisticsTypeOut]
    by_field: list[StatisticsFieldOut]
    by_party: list[StatisticsPartyOut]


_CONTRACT_COMPUTED = ("parties", "region", "non_technical_items")


def _contract(c) -> dict[str, Any]:
    """A contract as the API shows it; `c` has been through selectors.with_parties and has its items prefetched."""
    data = {f: getattr(c, f) for f in ContractOut.model_fields if f not in _CONTRACT_COMPUTED}
    parties = [
        {
            "role": p.role,
            "name": p.name,
            "credit_code": p.credit_code,
            "nature": p.nature,
            "region_code": p.region_code,
            "region": p.region.code if p.region else None,
        }
        for p in c.sellers + c.buyers
    ]
    items = [
        {"kind": i.kind, "description": i.description, "quantity": i.quantity, "amount_wan": i.amount_wan}
        for i in c.non_technical_items.all()
    ]
    return data | {"region": c.region.code, "parties": parties, "non_technical_items": items}


def _contracts_out(rows: list[Contract]) -> list[dict[str, Any]]:
    """Parties and items of a page of contracts with two queries, then the output dicts."""
    prefetch_related_objects(rows, "non_technical_items")
    return [_contract(c) for c in selectors.with_parties(rows)]


def _parties(rows: list[dict[str, Any]]) -> list[ContractParty]:
    """Parties of a contract body, validated one by one so that an error names `parties.N.field`."""
    parties, errors = [], {}
    for n, row in enumerate(rows):
        row = dict(row)
        try:
            region = region_by_code(row.pop("region"), f"parties.{n}.region", required=False)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if not row["region_code"]:
            if region is None:
                errors[f"parties.{n}.region_code"] = ["give the region code of a party outside the city"]
                continue
            row["region_code"] = region.region_code  # as the page's party form
        party = ContractParty(region=region, **row)
        try:
            party.full_clean(exclude=["contract"])
        except ValidationError as exc:
            errors.update({f"parties.{n}.{k}": v for k, v in exc.message_dict.items()})
        parties.append(party)
    if errors:
        raise ValidationError(errors)
    return parties


def _items(rows: list[dict[str, Any]]) -> list[NonTechnicalItem]:
    items, errors = [], {}
    for n, row in enumerate(rows):
        item = NonTechnicalItem(**row)
        try:
            item.full_clean(exclude=["contract"])
        except ValidationError as exc:
            errors.update({f"non_technical_items.{n}.{k}": v for k, v in exc.message_dict.items()})
        items.append(item)
    if errors:
        raise ValidationError(errors)
    return items


@router.get("/techmarket/contracts", response=list[ContractOut])
@paginate(Pagination)
def contracts(request: HttpRequest, type: str = "", status: str = "", region: str = "", year: str = ""):
    rows = list(filtered_or_422(ContractFilter, request.GET, selectors.contracts(request.user))[:5000])
    return _contracts_out(rows)


@router.get("/techmarket/contracts/{pk}", response=ContractOut)
def contract(request: HttpRequest, pk: int):
    c = get_for_user(request, selectors.contracts(request.user), pk)
    return _contracts_out([c])[0]


@router.get("/techmarket/turnover", response=list[TurnoverOut])
def turnover(request: HttpRequest, year: int | None = year_query()):
    """Registered turnover per year × region, output and absorbed bases (scoped to the caller's regions)."""
    return selectors.contract_turnover(year, user=request.user)


@router.post("/techmarket/contracts", response={201: ContractOut})
def contract_create(request: HttpRequest, payload: ContractIn):
    """A contract draft with its parties and non-technical items."""
    data = payload.dict()
    parties, items = _parties(data.pop("parties")), _items(data.pop("non_technical_items"))
    data["region"] = region_by_code(data["region"], "region")
    data["ip_numbers"] = clean_words(data["ip_numbers"], upper=True)
    obj = Contract(**data)
    services.contract_save(actor=request.user, contract=obj, parties=parties, items=items)
    return Status(201, _contracts_out([obj])[0])


@router.patch("/techmarket/contracts/{pk}", response=ContractOut)
def contract_update(request: HttpRequest, pk: int, payload: ContractPatch):
    """Edit a draft or a contract sent back for correction; `parties` / `non_technical_items` replace the lists."""
    obj = get_for_user(request, selectors.contracts(request.user), pk)
    data = payload.dict(exclude_unset=True)
    parties = data.pop("parties", None)
    items = data.pop("non_technical_items", None)
    parties = _parties(parties) if parties is not None else None
    items = _items(items) if items is not None else None
    if "region" in data:
        data["region"] = region_by_code(data["region"], "region")
    if data.get("ip_numbers") is not None:
        data["ip_numbers"] = clean_words(data["ip_numbers"], upper=True)
    apply_patch(obj, data, frozenset({"valid_from", "valid_until"}))
    services.contract_save(actor=request.user, contract=obj, parties=parties, items=items)
    return _contracts_out([obj])[0]


REGISTER_ONLY = ("technology_amount_wan", "amount_note", "registration_number")


@router.post("/techmarket/contracts/{pk}/steps/{action}", response=ContractOut)
def contract_step(request: HttpRequest, pk: int, action: str, payload: ContractStepIn):
    """submit, request_correction, accept, send_to_experts, register, refuse, cancel (services.CONTRACT_SERVICES)."""
    obj = get_for_user(request, selectors.contracts(request.user), pk)
    service = services.CONTRACT_SERVICES.get(action)
    if service is None:
        raise HttpError(404, "unknown action")
    kwargs: dict[str, Any] = {"on": payload.on, "note": payload.note}
    given = payload.dict(exclude_unset=True)
    if action == workflow.REGISTER:
        kwargs |= {name: getattr(payload, name) for name in REGISTER_ONLY}
    elif extra := [name for name in REGISTER_ONLY if given.get(name) not in (None, "")]:
        raise ValidationError({name: "only the register step takes this" for name in extra})
    try:
        service(actor=request.user, contract=obj, **kwargs)
    except workflow.TransitionRefused as exc:
        raise HttpError(409, f"not allowed: {exc}") from exc
    return _contracts_out([obj])[0]


@router.get("/techmarket/statistics", response=StatisticsOut)
def statistics(request: HttpRequest):
    """The contract statistics page as data (selectors.turnover_table): output and absorbed turnover (万元) per
    region × year, the city's output per year (a contract counted once), registered contracts by type and sub-type,
    by technology field and by the kind of seller and buyer. Amounts are decimal strings, as in /turnover."""
    data = selectors.turnover_table(request.user)
    years = data["years"]
    regions = [
        {
            "region": row["region"].code,
            "name": row["region"].name,
            "cells": [
                {"year": y, "output_wan": out, "absorbed_wan": absorbed}
                for y, (out, absorbed) in zip(years, row["cells"], strict=True)
            ],
        }
        for row in data["table"]
    ]
    types, fields = dict(ContractType.choices), dict(ContractField.choices)
    roles, natures = dict(ContractParty.Role.choices), dict(InstitutionType.choices)
    by_type = [
        {
            "contract_type": r["contract_type"],
            "sub_type": r.get("sub_type") or "",
            "label": str(types.get(r["contract_type"], r["contract_type"])),
            "year": r["registered_on__year"],
            "contracts": r["n"],
            "amount_wan": r["total"],
            "technology_amount_wan": r["tech"],
            "average_wan": r.get("average"),
        }
        for r in data["by_type"]
    ]
    by_field = [
        {
            "tech_field": r["tech_field"],
            "label": str(fields.get(r["tech_field"], r["tech_field"])),
            "year": r["registered_on__year"],
            "contracts": r["n"],
            "amount_wan": r["total"],
            "technology_amount_wan": r["tech"],
        }
        for r in data.get("by_field", [])
    ]
    by_party = [
        {
            "year": r["year"],
            "role": r["role"],
            "role_label": str(roles.get(r["role"], r["role"])),
            "nature": r["nature"],
            "label": str(natures.get(r["nature"], r["nature"])),
            "contracts": r["n"],
            "amount_wan": r["total"],
        }
        for r in data.get("by_party", [])
    ]
    city = [{"year": y, "amount_wan": a} for y, a in zip(years, data["city_output"], strict=True)]
    return {
        "years": years,
        "regions": regions,
        "city_output": city,
        "by_type": by_type,
        "by_field": by_field,
        "by_party": by_party,
    }
