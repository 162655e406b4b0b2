"""Narrative checks: figures quoted in 一、总体情况 against the tables; tables copied from last year."""
import copy

import pytest

from conftest import load_example
from converter.form.definition import DEFAULT_FORM, load_form, set_path
from converter.engine.narrative import quoted_figure
from converter.engine.validate import validate

FORM = load_form(DEFAULT_FORM)
NARRATIVE = ("narrative.", "copy.")


def quoted_figures(text):
    found = {r.code: quoted_figure(text, r) for r in FORM.rules if r.kind == "quoted_figure"}
    return {k: v for k, v in found.items() if v is not None}


def narrative_findings(report, prior=None):
    return [f for f in validate(report, FORM, prior) if f.code.startswith(NARRATIVE)]


@pytest.mark.parametrize("text, code, n", [
    ("全年共收到政府信息公开申请12件，均按时答复。", "narrative.applications", 12),
    ("本年度新收政府信息公开申请5件，上年结转1件。", "narrative.applications", 5),
    ("2025年，本机关共受理依申请公开12件。", "narrative.applications", 12),
    ("发生行政复议案件2件，行政诉讼1件。", "narrative.review", 2),
    ("发生行政复议案件2件，行政诉讼1件。", "narrative.litigation", 1),
    ("本年度被提起行政诉讼2起。", "narrative.litigation", 2),
    ("全年未发生因政府信息公开被申请行政复议、提起行政诉讼的情况。", "narrative.review", 0),
    ("全年未发生因政府信息公开被申请行政复议、提起行政诉讼的情况。", "narrative.litigation", 0),
])
def test_quoted_figures(text, code, n):
    assert quoted_figures(text)[code][0] == n


def test_unrelated_counts_are_not_quotes():
    assert quoted_figures("发布通知公告134篇、回复建议提案12篇、新闻稿件189篇。") == {}


def test_consistent_report_has_no_findings():
    assert narrative_findings(load_example("hengyang-commerce-2025.json")) == []


def test_quoted_applications_differ_from_table():
    report = load_example("hengyang-commerce-2025.json")
    report["text"]["overview"] += "\n全年共收到政府信息公开申请3件，均按期答复。"
    found = narrative_findings(report)
    assert [f.code for f in found] == ["narrative.applications"]
    f = found[0]
    assert f.severity == "warning" and f.context["quoted"] == 3 and f.context["table"] == 0
    assert "3" in f.message and "相差 3" in f.message
    assert f.location.path == "applications.new_received.total"


def test_no_review_sentence_against_table():
    report = load_example("hengyang-commerce-2025.json")
    report["text"]["overview"] += "\n本年度未发生因政府信息公开被申请行政复议、提起行政诉讼的情况。"
    assert narrative_findings(report) == []
    set_path(report, "review_litigation.litigation_direct.total", 2)
    assert [f.code for f in narrative_findings(report)] == ["narrative.litigation"]


def test_identical_tables_flagged():
    prior = load_example("district-market-regulation-2024.json")
    this = copy.deepcopy(prior)
    this["year"] = 2025
    codes = [(f.code, f.location.table) for f in narrative_findings(this, prior=prior)]
    assert ("copy.identical_table", "表三") in codes
    this["applications"]["granted"]["natural_person"] = (this["applications"]["granted"]["natural_person"] or 0) + 1
    codes = [f.location.table for f in narrative_findings(this, prior=prior) if f.code == "copy.identical_table"]
    assert "表三" not in codes


def test_all_zero_tables_not_flagged():
    report = load_example("hengyang-commerce-2025.json")
    assert [f for f in narrative_findings(report, prior=copy.deepcopy(report)) if f.location.table in ("表三", "表四")] == []
