"""Bulk evaluation: many facts records in one columnar pass with Polars.

Two entry points share one rule evaluator:

* ``evaluate_frame(frame, as_of)`` — the columnar path. ``frame`` is the flattened input (the columns of
  `row.ROW_SCHEMA`; see `evaluate_frame` for the contract). Validation is vectorised (`facts.validate_frame`:
  the same rules as `parse_facts` → per-row errors), then every rule runs as Polars expressions. No Python
  code runs per record.
* ``evaluate_bulk(records, as_of)`` — JSON-like records: each is validated with `parse_facts` and flattened
  (the same `flatten` as the per-record path), stacked into a frame, then evaluated like `evaluate_frame`.

The rule evaluator compiles every rule version's criteria, score line and status from the same rule
definitions as the per-record path (`expr.Node.expr()`). Before compiling, the expression trees of all
tiers are merged into one DAG: identical sub-trees (the same ratio or growth rate read by a criterion's
value, passed flag, points and band top, and by several tiers) are computed once into a temporary
column, level by level, so the query does a fraction of the work of evaluating each tree on its own.

Output frame: one row per valid record, in input order, with `record_index`, `credit_code`,
`assessment_date`, and for each tier `<tier>.rule_version`, `<tier>.status`, `<tier>.route`,
`<tier>.score`, `<tier>.failed`, and per criterion `<tier>.<criterion>.value|passed|points`
(`<tier>.score_line.value|passed` for the score line). Values: ratios as fractions, money in 万元.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from .engine import assessment_date_of
from .expr import And, Arith, Cmp, Col, DaysBetween, FDiv, IsNull, IsValue, Lit, Node, Not, Or, Unary, When
from .facts import FactsError, apply_frame_defaults, parse_facts, validate_frame
from .row import ROW_SCHEMA, flatten
from .rules import TIERS, RuleSet, rule_sets


@dataclass
class BulkResult:
    frame: pl.DataFrame
    errors: list[FactsError] = field(default_factory=list)


def facts_frame(records: Iterable[Any], as_of: date | None = None, *, skip_invalid: bool = False) -> BulkResult:
    """Validate (with `parse_facts`) and flatten records into the input frame (columns of `row.ROW_SCHEMA`)."""
    columns: dict[str, list[Any]] = {name: [] for name in ROW_SCHEMA}
    index: list[int] = []
    codes: list[str | None] = []
    errors: list[FactsError] = []
    for i, rec in enumerate(records):
        try:
            facts = parse_facts(rec, label=f"#{i}")
            row = flatten(facts, assessment_date_of(facts, as_of))
        except FactsError as e:
            if not skip_invalid:
                raise
            errors.append(e)
            continue
        index.append(i)
        codes.append(facts.credit_code)
        for name, values in columns.items():
            values.append(row[name])
    frame = pl.DataFrame(columns, schema=ROW_SCHEMA).with_columns(
        pl.Series("record_index", index, dtype=pl.Int64), pl.Series("credit_code", codes, dtype=pl.String)
    )
    return BulkResult(frame, errors)


# --- compiling the rules ---------------------------------------------------------------------------------


_BINARY = (Arith, Cmp, FDiv)
_UNARY = (Unary, Not, IsNull, IsValue)
_KNOWN = (Lit, Col, *_BINARY, *_UNARY, And, Or, When, DaysBetween)


class _Dag:
    """Hash-consed expression DAG: structurally equal sub-trees get one id."""

    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}
        self.nodes: list[Node] = []  # canonical node of each id
        self.kids: list[tuple[int, ...]] = []
        self.refs: list[int] = []
        self.by_object: dict[int, int] = {}
        self.keep: list[Node] = []  # keeps visited objects alive, so their id() stays theirs
        self.names: dict[str, int] = {}  # outputs of earlier stages, read back by later stages as columns

    def add(self, node: Node) -> int:
        if isinstance(node, Col) and node.name in self.names:
            return self.names[node.name]
        found = self.by_object.get(id(node))
        if found is not None:
            return found
        if type(node) not in _KNOWN:  # a subclass may compile differently: do not guess
            raise TypeError(f"bulk compiler: teach _Dag and _rebuild the node type {type(node).__name__}")
        kids = tuple(self.add(child) for child in node.children())
        key = self._key(node, kids)
        uid = self.ids.get(key)
        if uid is None:
            uid = len(self.nodes)
            self.ids[key] = uid
            self.nodes.append(node)
            self.kids.append(kids)
            self.refs.append(0)
            for k in kids:
                self.refs[k] += 1
        self.by_object[id(node)] = uid
        self.keep.append(node)
        return uid

    @staticmethod
    def _key(node: Node, kids: tuple[int, ...]) -> tuple:
        if isinstance(node, Lit):
            v = node.value
            try:
                hash(v)
            except TypeError:
                return ("Lit-object", id(v))
            return ("Lit", type(v).__name__, repr(v) if isinstance(v, float) else v)  # -0.0 is not 0.0
        if isinstance(node, Col):
            return ("Col", node.name)
        if isinstance(node, Arith | Cmp):
            return (type(node).__name__, node.op, kids)
        if isinstance(node, Unary):
            # the Polars form is what the bulk path runs; lambdas from one source line share their code object
            return ("Unary", node.name, getattr(node.polars, "__code__", node.polars), kids)
        if isinstance(node, IsValue):
            return ("IsValue", node.value, kids)
        return (type(node).__name__, kids)


def _rebuild(node: Node, kids: list[Node]) -> Node:
    """A shallow copy of `node` reading `kids` instead of its children (same order as `children()`)."""
    if not kids:
        return node
    new = copy.copy(node)
    new._fn = None
    if isinstance(node, _BINARY):
        new.a, new.b = kids
    elif isinstance(node, _UNARY):
        (new.a,) = kids
    elif isinstance(node, And | Or):
        new.parts = tuple(kids)
    elif isinstance(node, When):
        new.cases = [(kids[2 * i], kids[2 * i + 1]) for i in range(len(node.cases))]
        new.otherwise = kids[-1]
    elif isinstance(node, DaysBetween):
        new.later, new.earlier = kids
    else:  # pragma: no cover - guarded by _Dag.add
        raise TypeError(type(node).__name__)
    return new


Stages = Sequence[Sequence[tuple[str, Node]]]


def _stages(rs: RuleSet) -> tuple[list[tuple[str, Node]], ...]:
    return (rs.stage1(), rs.stage2(), rs.stage3())


def _merged_plan(groups: Sequence[tuple[str, Stages]]) -> tuple[list[list[pl.Expr]], list[tuple[str, pl.Expr]]]:
    """Compile named nodes as one DAG: (temporary columns level by level, [(output name, expression)]).

    `groups` are (output prefix, stages) — one per rule version; within a group, later stages read earlier
    outputs by name, and those reads become references to the defining sub-tree. A sub-tree used more than
    once (anywhere) becomes a temporary column `__t<id>`, computed at the level after its deepest
    temporary input.
    """
    dag = _Dag()
    roots: list[tuple[str, int]] = []
    for prefix, stages in groups:
        dag.names, dag.by_object = {}, {}  # names and objects resolve within one rule version
        for stage in stages:
            ids = [(name, dag.add(node)) for name, node in stage]
            for name, uid in ids:
                dag.names[name] = uid
                dag.refs[uid] += 1
            roots.extend((prefix + name, uid) for name, uid in ids)
    n = len(dag.nodes)
    hoisted = [dag.refs[u] >= 2 and bool(dag.kids[u]) for u in range(n)]
    level = [0] * n  # hoisted: its level (1..); other: the highest level among the temporaries it reads
    rebuilt: list[Node] = []
    for u in range(n):  # children always have smaller ids than their parents
        kids = dag.kids[u]
        need = max((level[k] for k in kids), default=0)
        level[u] = need + 1 if hoisted[u] else need
        rebuilt.append(_rebuild(dag.nodes[u], [Col(f"__t{k}") if hoisted[k] else rebuilt[k] for k in kids]))
    by_level: dict[int, list[pl.Expr]] = {}
    for u in range(n):
        if hoisted[u]:
            by_level.setdefault(level[u], []).append(rebuilt[u].expr().alias(f"__t{u}"))
    outputs = [(name, (pl.col(f"__t{u}") if hoisted[u] else rebuilt[u].expr()).alias(name)) for name, u in roots]
    return [by_level[k] for k in sorted(by_level)], outputs


def _none_columns(tier: str) -> dict[str, pl.Expr]:
    return {
        f"{tier}.rule_version": pl.lit(None, dtype=pl.String),
        f"{tier}.status": pl.lit("not_evaluable"),
        f"{tier}.route": pl.lit(None, dtype=pl.String),
        f"{tier}.score": pl.lit(None, dtype=pl.Int64),
        f"{tier}.failed": pl.lit(0, dtype=pl.Int64),
    }


def _version_of(tier: str, version: str | None) -> RuleSet | None:
    return None if version is None else next(rs for rs in rule_sets(tier) if rs.version == version)


def _version_expr(tier: str) -> pl.Expr:
    chooser: Any = pl.lit(None, dtype=pl.String)
    for rs in rule_sets(tier):  # ascending effective dates: later versions override
        chooser = (
            pl.when(pl.col("assessment_date") >= pl.lit(rs.effective_from)).then(pl.lit(rs.version)).otherwise(chooser)
        )
    return chooser


def _tier_columns(tier: str, versions: Sequence[str | None]) -> list[str]:
    """Output columns of one tier, in the order the versions present produce them (oldest first, then none)."""
    out: list[str] = []
    for version in versions:
        rs = _version_of(tier, version)
        if rs is None:
            names = list(_none_columns(tier))
        else:
            names = [name for stage in _stages(rs) for name, _n in stage] + [f"{tier}.rule_version"]
        out += [name for name in names if name not in out]
    return out


@dataclass(frozen=True)
class _Plan:
    tags: tuple[pl.Expr, ...]  # the rule version of each tier read by several versions
    levels: tuple[tuple[pl.Expr, ...], ...]  # temporary columns, level by level
    staged: tuple[pl.Expr, ...]  # outputs of tiers with several versions, under a per-version prefix
    outputs: tuple[pl.Expr, ...]  # the output columns, in order


@functools.cache
def _plan(spec: tuple[tuple[str, tuple[str | None, ...]], ...]) -> _Plan:
    """The query for rows whose tiers use the given rule versions: ((tier, (version or None, ...)), ...).

    A tier with one version present is computed under its own column names. A tier with several is
    computed for every version on every row (under `__<i>|` prefixes) and each output column picks the
    version in force on the row — cheaper than splitting, evaluating and re-sorting the rows.
    """
    groups: list[tuple[str, Stages]] = []
    finals: dict[str, pl.Expr] = {}
    tags: list[pl.Expr] = []
    multi: set[str] = set()
    for tier, versions in spec:
        if len(versions) == 1:
            rs = _version_of(tier, versions[0])
            if rs is None:
                finals.update({name: e.alias(name) for name, e in _none_columns(tier).items()})
            else:
                groups.append(("", _stages(rs)))
            continue
        tag = pl.col(f"__v.{tier}")
        tags.append(_version_expr(tier).alias(f"__v.{tier}"))
        sources: list[tuple[pl.Expr, dict[str, pl.Expr]]] = []
        for i, version in enumerate(versions):
            rs = _version_of(tier, version)
            if rs is None:
                sources.append((tag.is_null(), _none_columns(tier)))
                continue
            prefix = f"__{i}|"
            groups.append((prefix, _stages(rs)))
            names = {name: pl.col(prefix + name) for stage in _stages(rs) for name, _n in stage}
            names[f"{tier}.rule_version"] = pl.lit(rs.version, dtype=pl.String)
            multi.update(prefix + name for stage in _stages(rs) for name, _n in stage)
            sources.append((tag == rs.version, names))
        for name in _tier_columns(tier, versions):
            chain: Any = None
            for cond, columns in sources:
                if name in columns:
                    chain = (pl.when(cond) if chain is None else chain.when(cond)).then(columns[name])
            finals[name] = chain.otherwise(None).alias(name)
    levels, outputs = _merged_plan(groups)
    staged = tuple(e for name, e in outputs if name in multi)
    finals.update({name: e for name, e in outputs if name not in multi})
    for tier, versions in spec:
        if len(versions) == 1 and versions[0] is not None:
            finals[f"{tier}.rule_version"] = pl.lit(versions[0], dtype=pl.String).alias(f"{tier}.rule_version")
    order = [name for tier, versions in spec for name in _tier_columns(tier, versions)]
    return _Plan(tuple(tags), tuple(tuple(level) for level in levels), staged, tuple(finals[name] for name in order))


def evaluate_rules(frame: pl.DataFrame, tiers: Sequence[str] = TIERS) -> pl.DataFrame:
    """Run the rules on a valid, flattened frame (ROW_SCHEMA columns with defaults applied, plus
    `record_index`, `credit_code`). One output row per input row, in order."""
    present = frame.select(_version_expr(t).unique().sort(nulls_last=True).implode().alias(t) for t in tiers).row(0)
    if frame.height == 0:
        return frame.select("record_index", "credit_code", "assessment_date")
    plan = _plan(tuple((t, tuple(_by_date(t, versions))) for t, versions in zip(tiers, present, strict=True)))
    lf = frame.lazy()
    if plan.tags:
        lf = lf.with_columns(plan.tags)
    for exprs in plan.levels:
        lf = lf.with_columns(exprs)
    if plan.staged:
        lf = lf.with_columns(plan.staged)
    return lf.select("record_index", "credit_code", "assessment_date", *plan.outputs).collect()


def _by_date(tier: str, versions: Sequence[str | None]) -> list[str | None]:
    """Versions oldest first, None (no version in force) last."""
    dates = {rs.version: rs.effective_from for rs in rule_sets(tier)}
    return sorted(versions, key=lambda v: (v is None, dates.get(v or "", date.min)))


# --- entry points ------------------------------------------------------------------------------------------


def evaluate_frame(
    frame: pl.DataFrame,
    as_of: date | None = None,
    *,
    skip_invalid: bool = False,
    tiers: Sequence[str] = TIERS,
) -> BulkResult:
    """Evaluate a columnar input: one row per record, the flattened facts of `row.ROW_SCHEMA`.

    Input contract (what `row.flatten` produces for one record):

    * scalar fields under their facts names (`employees_total`, `ip.class_I`, `hte_expert_points.rd_management`),
      money as integer fen (Int64; 1 万元 = 1,000,000 分), per-year money as `<field>@0|@-1|@-2` for the
      fiscal years L, L−1, L−2 where L = year(assessment date) − 1;
    * `assessment_date` (Date) — the record's own date; `as_of`, when given, replaces it (the yearly
      columns must then be relative to as_of's fiscal year); `latest_year` and `registration_year` are
      derived and may be left out;
    * optional `credit_code` (String) and `record_index` (Int64; default: the row position);
    * a column left out is missing data for every row (null); defaults of the facts format are applied
      (flags → False, equity financing and the defaulted IP counts → 0).

    Validation (`facts.validate_frame`) applies `parse_facts`' value rules column-wise: negative counts
    and money, ranges (expert points, scores, shares, ranks), enum values, the money limit, and the
    cross-field checks (staff ≤ employees, IP sub-counts ≤ totals, domestic ≤ total R&D, registration
    before assessment). A bad row raises `FactsError` — or, with `skip_invalid`, is left out and listed in
    `BulkResult.errors` (label `#<record_index>`), exactly as `evaluate_bulk` does for records.
    """
    prepared, errors = prepare_frame(frame, as_of)
    if errors and not skip_invalid:
        raise errors[0]
    return BulkResult(evaluate_rules(prepared, tiers), errors)


def prepare_frame(frame: pl.DataFrame, as_of: date | None = None) -> tuple[pl.DataFrame, list[FactsError]]:
    """Validate a columnar input and return (the valid rows with defaults and derived columns, errors)."""
    n = frame.height
    cols = set(frame.columns)
    extra: list[pl.Expr] = []
    if "record_index" not in cols:
        extra.append(pl.int_range(n, dtype=pl.Int64).alias("record_index"))
    if "credit_code" not in cols:
        extra.append(pl.lit(None, dtype=pl.String).alias("credit_code"))
    for name, dtype in ROW_SCHEMA.items():
        if name not in cols and name not in ("latest_year", "registration_year"):
            extra.append(pl.lit(None, dtype=dtype).alias(name))
    if extra:
        frame = frame.with_columns(extra)
    casts = {name: dtype for name, dtype in ROW_SCHEMA.items() if name in frame.columns and frame.schema[name] != dtype}
    if casts:
        frame = frame.cast(casts, strict=True)
    bad, errors = validate_frame(frame, as_of)
    if errors:
        frame = frame.filter(~bad)
    on = pl.lit(as_of, dtype=pl.Date) if as_of is not None else pl.col("assessment_date")
    frame = apply_frame_defaults(frame).with_columns(on.alias("assessment_date"))
    frame = frame.with_columns(
        (pl.col("assessment_date").dt.year().cast(pl.Int64) - 1).alias("latest_year"),
        pl.col("registration_date").dt.year().cast(pl.Int64).alias("registration_year"),
    )
    return frame, errors


def evaluate_bulk(
    records: Iterable[Any], as_of: date | None = None, *, skip_invalid: bool = False, tiers: Sequence[str] = TIERS
) -> BulkResult:
    """Evaluate many facts records at once. Invalid records raise `FactsError` (or, with `skip_invalid`,
    are left out of the frame and listed in `BulkResult.errors`)."""
    base = facts_frame(records, as_of, skip_invalid=skip_invalid)
    return BulkResult(evaluate_rules(base.frame, tiers), base.errors)


def reserve_pool_frame(result: pl.DataFrame, tier: str, max_failed: int = 2) -> pl.DataFrame:
    """Records not eligible for `tier` that fail at most `max_failed` criteria, fewest failures first
    (then highest score). Columns: record_index, credit_code, failed, score, status."""
    return (
        result.filter((pl.col(f"{tier}.status") == "not_eligible") & pl.col(f"{tier}.failed").is_between(1, max_failed))
        .select(
            "record_index",
            "credit_code",
            pl.col(f"{tier}.failed").alias("failed"),
            pl.col(f"{tier}.score").alias("score"),
            pl.col(f"{tier}.status").alias("status"),
        )
        .sort(["failed", "score"], descending=[False, True], nulls_last=True)
    )
