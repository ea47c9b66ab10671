"""Schema of a policy file (policies/*.yaml), validated with pydantic.

The schema knows nothing about any particular city: departments, regions, indicators and tasks all
come from the file. Cross-references (a task's departments, a target's indicator or region) are
checked here so that a malformed file is rejected with every error before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_\-]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1)]
# GB/T 2260 administrative division code, written as a quoted string in the file ("110000").
AdminCode = Annotated[str, Field(pattern=r"^[0-9]{6}$")]


class Comparator(StrEnum):
    """How an observed value is compared with a target value."""

    GE = "ge"  # 以上、不低于
    GT = "gt"  # 突破、超过
    LE = "le"  # 以下、不高于
    LT = "lt"
    EQ = "eq"
    APPROX = "approx"  # 左右、约
    ACHIEVED = "achieved"  # non-numeric milestone: done or not done


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    NONE = "none"


class RegionKind(StrEnum):
    DISTRICT = "district"
    COUNTY = "county"
    ZONE = "zone"


class Responsibility(StrEnum):
    """How the lead departments share a task."""

    LEAD = "lead"  # 牵头
    SHARED = "shared"  # 按职责分工负责: each lead answers for its own part


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DepartmentSpec(Strict):
    code: Code
    name: Text
    short_name: Text
    aliases: list[str] = []


class RegionSpec(Strict):
    code: Code
    name: Text
    kind: RegionKind
    # A functional zone has no code of its own: it gives its host district's (tech-contracts.md §4.1).
    admin_code: AdminCode
    # Functional zones overlap their host districts; only regions in the partition add up to the city.
    in_partition: bool = True


class ProvinceSpec(Strict):
    name: Text
    admin_code: AdminCode


class CitySpec(Strict):
    code: Code
    name: Text
    admin_code: AdminCode
    province: ProvinceSpec

    @model_validator(mode="after")
    def _in_its_province(self) -> CitySpec:
        if self.admin_code[:2] != self.province.admin_code[:2]:
            raise ValueError("the city's admin_code must start with its province's two digits")
        return self


class IndicatorSpec(Strict):
    code: Code
    name: Text
    unit: str = ""
    direction: Direction = Direction.UP


_CADENCE = re.compile(r"^P([1-9][0-9]?)Y$")


class TargetSpec(Strict):
    """One measurable promise of the text: a numeric target or a named milestone."""

    code: Code
    indicator: Code
    comparator: Comparator
    value: Decimal | None = None
    unit: str = ""
    deadline: dt.date | None = None
    cadence: str | None = Field(default=None, description="ISO 8601 period: P1Y every year, P2Y every two years")
    region: Code | None = None
    # Who answers for the target; by default the leads of its task, or the policy's first issuer for goals.
    owner_departments: list[str] = []
    description: Text
    clause: Text = Field(description="the words of the text this target is taken from")

    @field_validator("deadline", mode="before")
    @classmethod
    def _year_is_year_end(cls, value: Any) -> Any:
        # "到2027年" is written as a bare year; it means by the end of that year.
        if isinstance(value, int) and 1900 < value < 2200:
            return dt.date(value, 12, 31)
        return value

    @field_validator("cadence")
    @classmethod
    def _cadence_is_period(cls, value: str | None) -> str | None:
        if value is not None and not _CADENCE.match(value):
            raise ValueError("cadence must be an ISO 8601 period of whole years, e.g. P1Y or P2Y")
        return value

    @model_validator(mode="after")
    def _shape(self) -> TargetSpec:
        if self.comparator is Comparator.ACHIEVED:
            if self.value is not None:
                raise ValueError("a milestone (comparator 'achieved') takes no value")
        else:
            if self.value is None:
                raise ValueError("a numeric target needs a value")
            if not self.unit:
                raise ValueError("a numeric target needs a unit")
            if (self.deadline is None) == (self.cadence is None):
                raise ValueError("a numeric target needs exactly one of deadline or cadence")
        return self

    @property
    def is_milestone(self) -> bool:
        return self.comparator is Comparator.ACHIEVED


class GoalSpec(Strict):
    code: Code
    title: Text
    text: Text
    targets: list[TargetSpec] = []


class TaskSpec(Strict):
    number: int = Field(ge=1)
    title: Text
    text: Text
    lead_departments: list[str] = Field(min_length=1)
    supporting_departments: list[str] = []
    responsibility: Responsibility = Responsibility.LEAD
    targets: list[TargetSpec] = []


class SectionSpec(Strict):
    number: int = Field(ge=1)
    title: Text
    text: str = ""
    tasks: list[TaskSpec] = []


class PolicySpec(Strict):
    code: Code
    document_number: Text
    title: Text
    city: CitySpec
    issue_date: dt.date
    effective_from: dt.date
    effective_to: dt.date
    issuers: list[str] = Field(min_length=1)
    departments: list[DepartmentSpec] = Field(min_length=1)
    regions: list[RegionSpec] = []
    indicators: list[IndicatorSpec] = []
    preamble: str = ""
    goals: list[GoalSpec] = []
    sections: list[SectionSpec] = Field(min_length=1)
    closing: str = ""

    @model_validator(mode="after")
    def _references(self) -> PolicySpec:
        errors = reference_errors(self.model_dump(mode="json"))
        if self.effective_to < self.effective_from:
            errors.append(("effective_to", "is before effective_from"))
        if errors:
            raise ValueError("\n".join(f"{path}: {msg}" for path, msg in errors))
        return self

    def department_lookup(self) -> dict[str, DepartmentSpec]:
        """Every name a department may be called by in the file: code, full name, short name, alias."""
        lookup: dict[str, DepartmentSpec] = {}
        for dept in self.departments:
            for name in (dept.code, dept.name, dept.short_name, *dept.aliases):
                lookup[name] = dept
        return lookup

    def tasks(self) -> list[tuple[SectionSpec, TaskSpec]]:
        return [(s, t) for s in self.sections for t in s.tasks]

    def all_targets(self) -> list[TargetSpec]:
        found = [t for g in self.goals for t in g.targets]
        found += [t for _, task in self.tasks() for t in task.targets]
        return found


def reference_errors(data: Any) -> list[tuple[str, str]]:
    """Cross-reference errors of raw policy data (duplicate codes, unknown departments, indicators, regions).

    Works on the raw mapping, tolerating missing or mistyped parts, so that these errors are reported
    together with the field errors pydantic finds, not only once the fields are right.
    """
    errors: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return errors

    def items(value: Any) -> list[tuple[int, dict]]:
        return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []

    def unique(where: str, rows: list[tuple[str, Any]], field: str) -> None:
        seen: set[Any] = set()
        for path, key in rows:
            if key is None:
                continue
            if key in seen:
                errors.append((f"{path}.{field}", f"duplicate {key!r} (must be unique in {where})"))
            seen.add(key)

    departments = items(data.get("departments"))
    names: set[str] = set()
    for _, dept in departments:
        for key in ("code", "name", "short_name"):
            if isinstance(dept.get(key), str):
                names.add(dept[key].strip())
        names.update(a for a in dept.get("aliases") or [] if isinstance(a, str))
    indicators = {i.get("code") for _, i in items(data.get("indicators"))}
    regions = {r.get("code") for _, r in items(data.get("regions"))}
    sections = items(data.get("sections"))
    tasks = [(f"sections.{si}.tasks.{ti}", t) for si, s in sections for ti, t in items(s.get("tasks"))]
    targets = [
        (f"goals.{gi}.targets.{ti}", t) for gi, g in items(data.get("goals")) for ti, t in items(g.get("targets"))
    ]
    targets += [(f"{where}.targets.{gi}", t) for where, task in tasks for gi, t in items(task.get("targets"))]

    unique("departments", [(f"departments.{i}", d.get("code")) for i, d in departments], "code")
    unique("regions", [(f"regions.{i}", r.get("code")) for i, r in items(data.get("regions"))], "code")
    unique("indicators", [(f"indicators.{i}", x.get("code")) for i, x in items(data.get("indicators"))], "code")
    unique("sections", [(f"sections.{i}", s.get("number")) for i, s in sections], "number")
    unique("tasks", [(where, t.get("number")) for where, t in tasks], "number")
    unique("targets", [(where, t.get("code")) for where, t in targets], "code")

    if departments:
        for i, issuer in enumerate(data.get("issuers") or []):
            if issuer not in names:
                errors.append((f"issuers.{i}", f"unknown department {issuer!r}"))
        for where, task in tasks:
            for field in ("lead_departments", "supporting_departments"):
                for di, name in enumerate(task.get(field) or []):
                    if isinstance(name, str) and name.strip() not in names:
                        errors.append((f"{where}.{field}.{di}", f"unknown department {name!r}"))
    for where, target in targets:
        code = target.get("indicator")
        if code is not None and code not in indicators:
            errors.append((f"{where}.indicator", f"unknown indicator {code!r}"))
        if departments:
            for oi, name in enumerate(target.get("owner_departments") or []):
                if isinstance(name, str) and name.strip() not in names:
                    errors.append((f"{where}.owner_departments.{oi}", f"unknown department {name!r}"))
        region = target.get("region")
        if region is not None and region not in regions:
            errors.append((f"{where}.region", f"unknown region {region!r}"))
    effective_from, effective_to = data.get("effective_from"), data.get("effective_to")
    if isinstance(effective_from, dt.date) and isinstance(effective_to, dt.date) and effective_to < effective_from:
        errors.append(("effective_to", "is before effective_from"))
    return errors


class PolicyFileError(Exception):
    """A policy file that cannot be loaded; `errors` lists (path, message) pairs, all of them."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in errors))


def parse_policy(data: Any) -> PolicySpec:
    """Validate parsed YAML; raise PolicyFileError listing every problem with its path."""
    try:
        return PolicySpec.model_validate(data)
    except ValidationError as exc:
        errors: list[tuple[str, str]] = []
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"])
            if not path and err["type"] == "value_error":
                continue  # the cross-reference summary; reference_errors() below lists them one by one
            errors.append((path or "(file)", err["msg"].removeprefix("Value error, ")))
        errors += [e for e in reference_errors(data) if e not in errors]
        raise PolicyFileError(errors) from None


def load_policy_file(path: str) -> PolicySpec:
    """Read and validate a policy YAML file."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise PolicyFileError([("(file)", f"cannot read: {exc.strerror}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise PolicyFileError([(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict):
        raise PolicyFileError([("(file)", "the top level must be a mapping")])
    return parse_policy(data)
