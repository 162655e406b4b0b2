"""The registry of rule kinds: each kind's evaluator, and whether it is an equation between cells.

A definition names its rules' kinds; the definition's own schema (converter/form/definition.schema.json)
lists the same kinds with their parameters, and loading a definition refuses any other kind. A test
keeps the two lists equal.
"""
from __future__ import annotations

from typing import Callable

from converter.engine import narrative, rules
from converter.engine.findings import Finding
from converter.form.definition import Form

Evaluator = Callable[..., list]

KINDS: dict[str, Evaluator] = {
    "sum": rules.equation,
    "balance": rules.equation,
    "cross_year": rules.equation,
    "blank_cells": rules.blank_cells,
    "nonempty_text": rules.nonempty_text,
    "max": rules.maximum,
    "all_blank": rules.all_blank,
    "quoted_figure": narrative.check_quoted_figure,
    "identical_to_prior": narrative.check_identical_to_prior,
    "text_repeated_from_prior": narrative.check_text_repeated_from_prior,
}


def evaluate(form: Form, report: dict, prior: dict | None = None) -> list[Finding]:
    """Every rule instance of the form on `report` (and last year's `prior`), in definition order."""
    findings: list[Finding] = []
    for rule in form.rules:
        findings.extend(KINDS[rule.kind](form, rule, report, prior))
    return findings
