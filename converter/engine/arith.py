"""Numbers in a report: what counts as a number, how it is shown, and the one signed sum.

Amounts (万元) carry up to six decimals: every sum is rounded there so 0.1 + 0.2 == 0.3.
"""
from __future__ import annotations

from decimal import Decimal

from converter.form.definition import Form, get_path

DECIMALS = 6


def number(value):
    """A usable number, or None (blank, or something the schema check reports on its own)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def fmt(value) -> str:
    if value is None:
        return "空"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def rounded(total):
    return round(total, DECIMALS) if isinstance(total, float) else total


def signed_sum(terms, value_of) -> int | float:
    """Σ sign × value over rule terms; a blank (None) counts as 0."""
    return rounded(sum(t.sign * (value_of(t) or 0) for t in terms))


def evaluate_derived(form: Form, values: dict | None, literals: dict | None = None, *,
                     blank_stays_blank: bool = False) -> dict:
    """Every derived cell as the workbook computes it (blank parts count as 0), or a literal typed over it.
    With `blank_stays_blank`, a total of nothing but blank cells is blank (None), as in the report: the
    sheet shows its formula's 0, but a Word report of a blank row must not print a row of 0s."""
    literals = literals or {}
    out: dict = {}

    def calc(path):
        if path in out:
            return out[path]
        if path in literals:
            out[path] = literals[path]
        elif path in form.derived:
            terms = form.derived[path].right
            parts = [calc(t.path) for t in terms]
            blank = blank_stays_blank and all(p is None for p in parts)
            # signed_sum over the parts just computed: the same terms in the same order, the same float
            out[path] = None if blank else rounded(sum(t.sign * (p or 0) for t, p in zip(terms, parts)))
        else:
            out[path] = number(get_path(values, path)) if values else None
        return out[path]

    for key in form.derived:
        calc(key)
    return out
