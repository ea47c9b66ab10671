"""A small expression language for ladder rules, with two backends.

Every criterion is written once as a tree of `Node`s. The per-record path compiles the tree to Python
closures over one flattened record (a dict of column name → value); the bulk path turns the same tree
into Polars expressions over a frame whose columns carry the same names.  Both backends follow Polars'
null semantics, so the results are identical by construction of the operations, not by copying code:

* arithmetic and comparisons propagate `None` (null);
* `&`, `|` and `~` use three-valued (Kleene) logic: `False & None` is False, `True | None` is True;
* `When(...)` takes the first case whose condition is exactly True (a null condition falls through);
* integer arithmetic is exact (Python ints; Polars Int64, or Int128 after `Wide`), float arithmetic is
  IEEE double in both, and only `FDiv`/`Sqrt`/`Floor` produce floats.

Thresholds are compared with integers (cross-multiplied fractions), never with rounded floats.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import polars as pl

Env = Mapping[str, Any]
Fn = Callable[[Env], Any]


class Node:
    """Base class: subclasses implement `_compile`, `expr` and `children`."""

    _fn: Fn | None = None

    def fn(self) -> Fn:
        if self._fn is None:
            self._fn = self._compile()
        return self._fn

    def __call__(self, env: Env) -> Any:
        return self.fn()(env)

    def _compile(self) -> Fn:  # pragma: no cover - abstract
        raise NotImplementedError

    def expr(self) -> pl.Expr:  # pragma: no cover - abstract
        raise NotImplementedError

    def children(self) -> Sequence[Node]:
        return ()

    def leaves(self) -> Iterator[Col]:
        """Every input column the tree reads (depth first, duplicates included)."""
        if isinstance(self, Col):
            yield self
        for child in self.children():
            yield from child.leaves()

    # --- sugar -----------------------------------------------------------------------------------
    def __add__(self, other: Any) -> Node:
        return Arith("+", self, wrap(other))

    def __radd__(self, other: Any) -> Node:
        return Arith("+", wrap(other), self)

    def __sub__(self, other: Any) -> Node:
        return Arith("-", self, wrap(other))

    def __rsub__(self, other: Any) -> Node:
        return Arith("-", wrap(other), self)

    def __mul__(self, other: Any) -> Node:
        return Arith("*", self, wrap(other))

    def __rmul__(self, other: Any) -> Node:
        return Arith("*", wrap(other), self)

    def __truediv__(self, other: Any) -> Node:
        return FDiv(self, wrap(other))

    def __and__(self, other: Any) -> Node:
        return And(self, wrap(other))

    def __or__(self, other: Any) -> Node:
        return Or(self, wrap(other))

    def __invert__(self) -> Node:
        return Not(self)

    def ge(self, other: Any) -> Node:
        return Cmp(">=", self, wrap(other))

    def gt(self, other: Any) -> Node:
        return Cmp(">", self, wrap(other))

    def le(self, other: Any) -> Node:
        return Cmp("<=", self, wrap(other))

    def lt(self, other: Any) -> Node:
        return Cmp("<", self, wrap(other))

    def eq(self, other: Any) -> Node:
        return Cmp("==", self, wrap(other))

    def ne(self, other: Any) -> Node:
        return Cmp("!=", self, wrap(other))

    def is_null(self) -> Node:
        return IsNull(self)

    def is_true(self) -> Node:
        return IsValue(self, True)

    def is_false(self) -> Node:
        return IsValue(self, False)


def wrap(value: Any) -> Node:
    return value if isinstance(value, Node) else Lit(value)


class Lit(Node):
    def __init__(self, value: Any):
        self.value = value

    def _compile(self) -> Fn:
        value = self.value
        return lambda env: value

    def expr(self) -> pl.Expr:
        v = self.value
        if isinstance(v, bool) or v is None or isinstance(v, str | float):
            return pl.lit(v)
        if isinstance(v, int):
            return pl.lit(v, dtype=pl.Int128 if abs(v) >= 2**62 else pl.Int64)
        return pl.lit(v)

    def __repr__(self) -> str:
        return f"Lit({self.value!r})"


NULL = Lit(None)
TRUE = Lit(True)
FALSE = Lit(False)


class Col(Node):
    """A column of the flattened record.

    `path` is the dotted facts path reported in `missing` (None for derived/internal columns);
    `offset` makes it a fiscal-year path: `path.<L + offset>`.
    """

    def __init__(self, name: str, path: str | None = None, offset: int | None = None):
        self.name = name
        self.path = path
        self.offset = offset

    def _compile(self) -> Fn:
        name = self.name
        return lambda env: env[name]

    def expr(self) -> pl.Expr:
        return pl.col(self.name)

    def facts_path(self, latest_year: int) -> str | None:
        if self.path is None:
            return None
        if self.offset is None:
            return self.path
        return f"{self.path}.{latest_year + self.offset}"

    def __repr__(self) -> str:
        return f"Col({self.name!r})"


_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_CMP = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne}


class _BinaryOp(Node):
    """Null-propagating operator from a table shared by both backends (`ops`: symbol → operator function)."""

    ops: dict[str, Callable[[Any, Any], Any]]

    def __init__(self, op: str, a: Node, b: Node):
        self.op, self.a, self.b = op, a, b

    def children(self) -> Sequence[Node]:
        return (self.a, self.b)

    def _compile(self) -> Fn:
        f, fa, fb = self.ops[self.op], self.a.fn(), self.b.fn()

        def run(env: Env) -> Any:
            x = fa(env)
            if x is None:
                return None
            y = fb(env)
            return None if y is None else f(x, y)

        return run

    def expr(self) -> pl.Expr:
        return self.ops[self.op](self.a.expr(), self.b.expr())


class Arith(_BinaryOp):
    ops = _ARITH


class Cmp(_BinaryOp):
    ops = _CMP


class FDiv(Node):
    """Float division. Callers guard the denominator; a zero divisor is a programming error."""

    def __init__(self, a: Node, b: Node):
        self.a, self.b = a, b

    def children(self) -> Sequence[Node]:
        return (self.a, self.b)

    def _compile(self) -> Fn:
        fa, fb = self.a.fn(), self.b.fn()

        def run(env: Env) -> Any:
            x = fa(env)
            if x is None:
                return None
            y = fb(env)
            return None if y is None else float(x) / float(y)

        return run

    def expr(self) -> pl.Expr:
        a = self.a.expr().cast(pl.Float64)
        if isinstance(self.b, Lit):
            # Polars divides by a scalar as a multiplication by its reciprocal, which is not the correctly
            # rounded quotient Python computes. A full-length divisor column (a·0 + v, exactly v for finite a)
            # forces a true element-wise IEEE division.
            return a / (a * 0.0 + pl.lit(float(self.b.value)))
        return a / self.b.expr().cast(pl.Float64)


class Unary(Node):
    """Null-propagating one-argument function with a Python and a Polars form."""

    def __init__(self, name: str, a: Node, py: Callable[[Any], Any], polars: Callable[[pl.Expr], pl.Expr]):
        self.name, self.a, self.py, self.polars = name, a, py, polars

    def children(self) -> Sequence[Node]:
        return (self.a,)

    def _compile(self) -> Fn:
        fa, py = self.a.fn(), self.py

        def run(env: Env) -> Any:
            x = fa(env)
            return None if x is None else py(x)

        return run

    def expr(self) -> pl.Expr:
        return self.polars(self.a.expr())


def to_int(a: Node) -> Node:
    return Unary("int", a, int, lambda e: e.cast(pl.Int64))


def wide(a: Node) -> Node:
    """Exact wide integers: Python ints already are; Polars casts to Int128 so products cannot overflow."""
    return Unary("wide", a, lambda x: x, lambda e: e.cast(pl.Int128))


def sqrt(a: Node) -> Node:
    return Unary("sqrt", a, lambda x: math.sqrt(float(x)), lambda e: e.cast(pl.Float64).sqrt())


def floor(a: Node) -> Node:
    return Unary("floor", a, lambda x: float(math.floor(x)), lambda e: e.cast(pl.Float64).floor())


class _Junction(Node):
    """Kleene AND / OR: the `dominant` value decides at once; otherwise any unknown makes the result unknown."""

    dominant: bool

    def __init__(self, *parts: Node):
        self.parts = tuple(parts)

    def children(self) -> Sequence[Node]:
        return self.parts

    def _compile(self) -> Fn:
        fns = [p.fn() for p in self.parts]
        dominant = self.dominant

        def run(env: Env) -> Any:
            unknown = False
            for f in fns:
                v = f(env)
                if v is dominant:
                    return dominant
                if v is None:
                    unknown = True
            return None if unknown else not dominant

        return run

    def _join(self, left: pl.Expr, right: pl.Expr) -> pl.Expr:
        raise NotImplementedError

    def expr(self) -> pl.Expr:
        out = self.parts[0].expr()
        for p in self.parts[1:]:
            out = self._join(out, p.expr())
        return out


class And(_Junction):
    dominant = False

    def _join(self, left: pl.Expr, right: pl.Expr) -> pl.Expr:
        return left & right  # Polars' & is Kleene on nulls, like run()


class Or(_Junction):
    dominant = True

    def _join(self, left: pl.Expr, right: pl.Expr) -> pl.Expr:
        return left | right


def all_of(parts: Sequence[Node]) -> Node:
    return And(*parts) if parts else TRUE


def any_of(parts: Sequence[Node]) -> Node:
    return Or(*parts) if parts else FALSE


class Not(Node):
    def __init__(self, a: Node):
        self.a = a

    def children(self) -> Sequence[Node]:
        return (self.a,)

    def _compile(self) -> Fn:
        fa = self.a.fn()

        def run(env: Env) -> Any:
            v = fa(env)
            return None if v is None else not v

        return run

    def expr(self) -> pl.Expr:
        return ~self.a.expr()


class IsNull(Node):
    def __init__(self, a: Node):
        self.a = a

    def children(self) -> Sequence[Node]:
        return (self.a,)

    def _compile(self) -> Fn:
        fa = self.a.fn()
        return lambda env: fa(env) is None

    def expr(self) -> pl.Expr:
        return self.a.expr().is_null()


class IsValue(Node):
    """Exactly True / exactly False; never null."""

    def __init__(self, a: Node, value: bool):
        self.a, self.value = a, value

    def children(self) -> Sequence[Node]:
        return (self.a,)

    def _compile(self) -> Fn:
        fa, value = self.a.fn(), self.value
        return lambda env: fa(env) is value

    def expr(self) -> pl.Expr:
        return self.a.expr().eq_missing(self.value)


class When(Node):
    """First case whose condition is exactly True; else `otherwise`. Only the chosen branch runs in Python."""

    def __init__(self, cases: Sequence[tuple[Node, Any]], otherwise: Any = None):
        self.cases = [(c, wrap(v)) for c, v in cases]
        self.otherwise = wrap(otherwise)

    def children(self) -> Sequence[Node]:
        out: list[Node] = []
        for c, v in self.cases:
            out += [c, v]
        return [*out, self.otherwise]

    def _compile(self) -> Fn:
        cases = [(c.fn(), v.fn()) for c, v in self.cases]
        other = self.otherwise.fn()

        def run(env: Env) -> Any:
            for cond, value in cases:
                if cond(env) is True:
                    return value(env)
            return other(env)

        return run

    def expr(self) -> pl.Expr:
        (c0, v0), *rest = self.cases
        chain = pl.when(c0.expr()).then(v0.expr())
        for c, v in rest:
            chain = chain.when(c.expr()).then(v.expr())
        return chain.otherwise(self.otherwise.expr())


def coalesce(a: Node, default: Any) -> Node:
    return When([(IsNull(a), wrap(default))], a)


def max2(a: Node, b: Node) -> Node:
    """Null-propagating maximum."""
    return When([(IsNull(a) | IsNull(b), NULL), (a.ge(b), a)], b)


def min2(a: Node, b: Node) -> Node:
    return When([(IsNull(a) | IsNull(b), NULL), (a.le(b), a)], b)


def total(parts: Sequence[Node]) -> Node:
    """Null-propagating sum (None if any part is None)."""
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out


def count_true(parts: Sequence[Node]) -> Node:
    if not parts:
        return Lit(0)
    return total([When([(p.is_true(), Lit(1))], Lit(0)) for p in parts])


class DaysBetween(Node):
    """Calendar days from `earlier` to `later` (the earlier day itself not counted)."""

    def __init__(self, later: Node, earlier: Node):
        self.later, self.earlier = later, earlier

    def children(self) -> Sequence[Node]:
        return (self.later, self.earlier)

    def _compile(self) -> Fn:
        fl, fe = self.later.fn(), self.earlier.fn()

        def run(env: Env) -> Any:
            a, b = fl(env), fe(env)
            return None if a is None or b is None else (a - b).days

        return run

    def expr(self) -> pl.Expr:
        return (self.later.expr() - self.earlier.expr()).dt.total_days()
