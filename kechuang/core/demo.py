"""Demo accounts and liaisons for `make run`; idempotent, keyed by natural keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from kechuang.core import audit
from kechuang.core.models import Liaison, OrgUnit, User
from kechuang.core.passwords import generate_password
from kechuang.core.roles import Role
from kechuang.core.services import user_create


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    unit_code: str | None
    display_name: str


ADMIN_USERNAME = "bureau_admin"
# Without a list in the city's demo file: the first departments and regions the policy file names.
DEPARTMENT_OFFICERS = 3
DISTRICT_OFFICERS = 2


def city_demo_data(app_dir: str | Path, city: OrgUnit) -> dict[str, Any]:
    """What a module's demo needs to know about one city (`<app>/data/demo/<city code>.yaml`: its real
    institutions, weights by economic size…); {} for a city without such a file, whose demo is then built from
    its org units alone."""
    path = Path(app_dir) / "data" / "demo" / f"{city.code}.yaml"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def demo_accounts(city: OrgUnit) -> list[DemoAccount]:
    """One account per role, bound to the city's units: the bureau is the first department of the policy file."""
    units = OrgUnit.objects.filter(parent=city, is_active=True)
    departments = list(units.filter(kind=OrgUnit.Kind.DEPARTMENT).order_by("sort_order", "id"))
    regions = list(units.filter(kind=OrgUnit.Kind.REGION).order_by("sort_order", "id"))
    chosen = city_demo_data(Path(__file__).resolve().parent, city).get("accounts", {})

    def pick(found: list[OrgUnit], codes: list[str] | None, n: int) -> list[OrgUnit]:
        by_code = {u.code: u for u in found}
        return [by_code[c] for c in codes if c in by_code] if codes else found[:n]

    bureau = departments[0].label if departments else ""
    bureau_code = departments[0].code if departments else None
    accounts = [
        DemoAccount(ADMIN_USERNAME, Role.BUREAU_ADMIN, bureau_code, f"{bureau} 系统管理员"),
        DemoAccount("bureau_staff", Role.BUREAU_STAFF, bureau_code, f"{bureau} 业务人员"),
        DemoAccount("leader", Role.LEADER, None, "市领导（只读）"),
        # The three separated administrators (三权分立): accounts, roles and rights, the audit log.
        DemoAccount("sys_admin", Role.SYSADMIN, bureau_code, f"{bureau} 系统管理员（账号）"),
        DemoAccount("sec_admin", Role.SECADMIN, bureau_code, f"{bureau} 安全管理员（授权）"),
        DemoAccount("audit_admin", Role.AUDITOR, bureau_code, f"{bureau} 审计管理员"),
    ]
    for unit in pick(departments, chosen.get("department_officers"), DEPARTMENT_OFFICERS):
        accounts.append(DemoAccount(f"officer_{unit.code}", Role.DEPARTMENT_OFFICER, unit.code, f"{unit.label} 联络员"))
    for unit in pick(regions, chosen.get("district_officers"), DISTRICT_OFFICERS):
        accounts.append(DemoAccount(f"officer_{unit.code}", Role.DISTRICT_OFFICER, unit.code, f"{unit.label} 科技局"))
    # Accounts outside the government: an enterprise account's firm and an expert's employer are firms of the demo
    # register (created once it exists: `_demo_organisations`); the talent module binds the talent account.
    accounts += [
        DemoAccount("expert_demo", Role.EXPERT, None, "评审专家（演示）"),
        DemoAccount("enterprise_admin", Role.ENTERPRISE, None, "企业管理员（演示）"),
        DemoAccount("enterprise_user", Role.ENTERPRISE, None, "企业用户（演示）"),
        DemoAccount("talent_demo", Role.TALENT, None, "人才用户（演示）"),
    ]
    return accounts


def _demo_organisations(city: OrgUnit) -> dict[str, Any]:
    """The organisation of each external demo role: the firm a module names for the enterprise accounts (else the
    first firm of the city's first region), one of the second region for the expert's employer ({} while the
    register has no firms yet)."""
    from kechuang.core.registry import demo_firm, enterprises_in

    regions = OrgUnit.objects.regions().filter(parent=city).order_by("sort_order", "id").values_list("code", flat=True)
    firms = [next(iter(enterprises_in([code], limit=1)), None) for code in list(regions)[:2]]
    if len(firms) < 2 or None in firms:
        return {}
    # A module may name the firm the enterprise accounts show best (the register's one-criterion-short showcase).
    return {Role.ENTERPRISE: demo_firm(Role.ENTERPRISE) or firms[0], Role.EXPERT: firms[1]}


_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ("建国", "晓梅", "志强", "丽娟", "海涛", "静", "伟", "敏", "磊", "婷", "国庆", "红梅", "明", "雪", "鹏")
_POSITIONS = ("科长", "副科长", "科员", "主任", "副主任")


@transaction.atomic
def ensure_demo_accounts(city: OrgUnit, password: str | None) -> dict[str, str]:
    """Create the missing demo accounts; returns {user name: password} of those created.

    Without `password` each gets its own generated one (for the caller to show once: nothing else knows it);
    with it (KECHUANG_ADMIN_PASSWORD) every demo account has that password, also the existing ones. Outside
    development a demo account must change its password at the first log-in (and `check --deploy` refuses
    production while one is active)."""
    created: dict[str, str] = {}
    units = {u.code: u for u in OrgUnit.objects.filter(parent=city)}
    organisations = _demo_organisations(city)
    for account in demo_accounts(city):
        user = User.objects.filter(username=account.username).first()
        if user is None:
            firm = organisations.get(account.role)
            if account.role in (Role.ENTERPRISE, Role.EXPERT) and firm is None:
                continue  # created once the register has its firms (load_demo calls again after each module)
            chosen = password or generate_password()
            user_create(
                username=account.username,
                role=account.role,
                org_unit=units.get(account.unit_code) if account.unit_code else None,
                display_name=account.display_name,
                password=chosen,
                must_change_password=settings.PRODUCTION,
                is_demo=True,
                credit_code=firm.credit_code if firm else "",
                organisation=firm.name if firm else "",
                # one administrator per firm (core.firm_accounts): none if a module's demo gave the firm one
                is_org_admin=account.username == "enterprise_admin"
                and not User.objects.filter(credit_code=firm.credit_code, is_org_admin=True).exists(),
            )
            created[account.username] = chosen
        elif password is not None and not user.check_password(password):
            # KECHUANG_ADMIN_PASSWORD was given: the demo accounts follow it.
            user.set_password(password)
            user.must_change_password = settings.PRODUCTION
            user.save()
            audit.record(actor=None, action=audit.Action.UPDATE, obj=user, changes={"password": ["***", "***"]})
    return created


def _phone(i: int) -> str:
    return f"13{5 + i % 5}{(53300000 + i * 7919) % 100_000_000:08d}"


@transaction.atomic
def ensure_demo_liaisons(city: OrgUnit) -> int:
    """Two liaisons per region and department; returns how many were created."""
    created = 0
    units = (
        OrgUnit.objects.filter(parent=city, is_active=True).exclude(kind=OrgUnit.Kind.CITY).order_by("sort_order", "id")
    )
    for i, unit in enumerate(units):
        for j in range(2):
            k = i * 2 + j
            name = _SURNAMES[k % len(_SURNAMES)] + _GIVEN[(k * 7) % len(_GIVEN)]
            if Liaison.objects.filter(org_unit=unit, name=name).exists():
                continue
            liaison = Liaison(
                org_unit=unit,
                name=name,
                position=_POSITIONS[k % len(_POSITIONS)],
                phone=_phone(k),
                email=f"liaison{k:03d}@example.gov.cn",
                note="演示数据 Demo data",
            )
            audit.save(liaison, actor=None)
            created += 1
    return created
