"""Mutation tests: one changed number fires exactly the rules that contain it, and nothing else."""
import copy
import re

import pytest

from converter.engine.catalogue import finding_name
from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path
from converter.engine.sample import make_report
from converter.engine.validate import validate

FORM = load_form(DEFAULT_FORM)


def fired(findings, severity=None):
    return {f.context.get("rule") for f in findings if severity is None or f.severity == severity}


@pytest.fixture(scope="module")
def valid():
    report = make_report("测试局", 2025, scale=400, seed=7, form=load_form(DEFAULT_FORM))
    assert validate(report, load_form(DEFAULT_FORM)) == []
    return report


def consistent_prior(report):
    """Last year's report that agrees with `report` on every cross-year rule."""
    prior = make_report("测试局", 2024, scale=400, seed=8, form=load_form(DEFAULT_FORM))
    for rule in FORM.rules:
        if rule.kind != "cross_year":
            continue
        (target,) = rule.left
        value = get_path(report, target.path) - sum(t.sign * get_path(report, t.path) for t in rule.right if not t.prior)
        (prior_term,) = [t for t in rule.right if t.prior]
        set_path(prior, prior_term.path, value)
    prior["text"] = {key: "" for key in prior["text"]}  # last year's words are not this year's
    return prior


@pytest.mark.parametrize("key", [c.key for c in FORM.numbers if c.type == "count"])
def test_bumping_one_cell_fires_exactly_its_rules(valid, key):
    report = copy.deepcopy(valid)
    set_path(report, key, get_path(report, key) + 1)
    expected = {r.id for r in FORM.rules if r.severity == "error" and r.arithmetic
                and any(t.path == key and not t.prior for t in (*r.left, *r.right))}
    findings = validate(report, load_form(DEFAULT_FORM))
    assert fired(findings, "error") == expected
    assert all(f.context["difference"] in (1, -1) for f in findings)


def test_every_error_rule_is_reachable_by_a_single_change(valid):
    reached = set()
    for cell in FORM.numbers:
        report = copy.deepcopy(valid)
        set_path(report, cell.key, (get_path(report, cell.key) or 0) + 1)
        reached |= fired(validate(report, load_form(DEFAULT_FORM)), "error")
    assert reached == {r.id for r in FORM.rules if r.severity == "error" and r.arithmetic}


def test_balance_message_names_rule_labels_sides_and_difference(valid):
    report = copy.deepcopy(valid)
    set_path(report, "applications.carried_forward.research", get_path(report, "applications.carried_forward.research") + 5)
    set_path(report, "applications.carried_forward.total", get_path(report, "applications.carried_forward.total") + 5)
    (f,) = [f for f in validate(report, load_form(DEFAULT_FORM)) if f.context["rule"] == "t3.balance[research]"]
    left, right = f.context["left_sum"], f.context["right_sum"]
    assert f.code == "t3.balance" and f.severity == "error" and f.context["difference"] == -5
    assert f.location.table == "表三" and f.location.col_label == "科研机构"
    for text in ("表三", "科研机构", "一、本年新收政府信息公开申请数量", "四、结转下年度继续办理",
                 f"= {left}", f"= {right}", "相差 -5"):
        assert text in f.message


def test_sum_message_and_location(valid):
    report = copy.deepcopy(valid)
    set_path(report, "review_litigation.review.total", get_path(report, "review_litigation.review.total") + 2)
    (f,) = validate(report, load_form(DEFAULT_FORM))
    assert f.location.path == "review_litigation.review.total"
    assert (f.location.row_label, f.location.col_label) == ("行政复议", "总计")
    assert "相差 2" in f.message and "结果维持(" in f.message


@pytest.mark.parametrize("rule_id", [r.id for r in FORM.rules if r.kind == "cross_year"])
def test_cross_year_rules_fire_only_with_prior_and_when_broken(valid, rule_id):
    rule = next(r for r in FORM.rules if r.id == rule_id)
    prior = consistent_prior(valid)
    assert validate(valid, load_form(DEFAULT_FORM), prior=prior) == []
    bumped = copy.deepcopy(prior)
    (term,) = [t for t in rule.right if t.prior]
    set_path(bumped, term.path, get_path(bumped, term.path) + 3)
    findings = validate(valid, load_form(DEFAULT_FORM), prior=bumped)
    assert fired(findings) == {rule_id}
    assert findings[0].severity == "warning" and abs(findings[0].context["difference"]) == 3
    assert validate(valid, load_form(DEFAULT_FORM), prior=None) == []


def test_blank_counts_as_zero_and_is_reported_grouped(valid):
    report = copy.deepcopy(valid)
    key = "applications.denied_state_secret.research"
    value = get_path(report, key)
    set_path(report, key, None)
    findings = validate(report, load_form(DEFAULT_FORM))
    assert ("blank", "warning", [key]) in [(f.code, f.severity, f.context.get("paths")) for f in findings]
    # arithmetic treats the blank as 0: the same rules fire as for an explicit 0
    set_path(report, key, 0)
    as_zero = {f.context["rule"] for f in validate(report, load_form(DEFAULT_FORM))}
    set_path(report, key, None)
    assert {f.context["rule"] for f in findings if f.code != "blank"} == as_zero
    assert value and as_zero  # the cell held a number, so both fire the arithmetic rules
    assert get_path(report, key) is None  # validation never fills a blank


def test_hengyang_150_blanks_are_one_finding(hengyang):
    findings = validate(hengyang, load_form(DEFAULT_FORM))
    assert [(f.code, f.severity, f.context["count"]) for f in findings] == [("blank", "warning", 150)]
    assert "150 格留空" in findings[0].message


def test_blank_groups_by_table_and_columns():
    report = make_report("测试局", 2025, scale=10, seed=1, form=load_form(DEFAULT_FORM))
    set_path(report, "active_disclosure.fees.amount_wan_yuan", None)
    for row in ("granted", "partially_granted"):
        set_path(report, f"applications.{row}.research", None)
    counts = sorted((f.location.table, f.context["count"]) for f in validate(report, load_form(DEFAULT_FORM)) if f.code == "blank")
    assert counts == [("表三", 2), ("表二", 1)]


@pytest.mark.parametrize("text,fires", [("", True), ("  \n ", True), ("无", False)])
def test_empty_problems_section_warns(valid, text, fires):
    report = copy.deepcopy(valid)
    report["text"]["problems"] = text
    report["text"]["other"] = ""  # 六 may be empty: no rule
    assert (fired(validate(report, load_form(DEFAULT_FORM))) == {"text.problems"}) is fires


def test_fee_in_yuan_instead_of_wan_yuan_warns(valid):
    report = copy.deepcopy(valid)
    report["active_disclosure"]["fees"]["amount_wan_yuan"] = 2_500_000.5
    (f,) = validate(report, load_form(DEFAULT_FORM))
    assert (f.code, f.severity) == ("fee.unit", "warning")


def test_a_report_with_no_number_at_all_is_an_error():
    empty = FORM.empty_report("测试局", 2025)
    empty["text"]["overview"] = empty["text"]["problems"] = "有内容"
    findings = validate(empty, load_form(DEFAULT_FORM))
    assert ("empty.tables", "error") in {(f.code, f.severity) for f in findings}
    (f,) = [f for f in findings if f.code == "empty.tables"]
    # the agency is told what to do; lists (问题清单's 规则 column) name the rule in a few words
    assert "没有发生的事项请填 0" in f.message and finding_name(f.code, f.context) == "统计表全部未填写"
    set_path(empty, "review_litigation.review.upheld", 0)
    assert "empty.tables" not in {f.code for f in validate(empty, load_form(DEFAULT_FORM))}


def test_empty_overview_warns(valid):
    report = copy.deepcopy(valid)
    report["text"]["overview"] = ""
    assert [(f.code, f.severity) for f in validate(report, load_form(DEFAULT_FORM))] == [("text.overview", "warning")]


def test_text_repeated_from_prior_fires_above_the_threshold(valid):
    """copy.repeated_text (needs --prior): more than half of 一 and 五's sentences word for word as last year
    (only the year changed) is a warning; new wording, or no prior, is not."""
    prior = consistent_prior(valid)
    prior["text"] = {**valid["text"]}
    for key in ("overview", "problems"):
        prior["text"][key] = valid["text"][key].replace(str(valid["year"]), str(valid["year"] - 1))
    found = [f for f in validate(valid, FORM, prior=prior) if f.code == "copy.repeated_text"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].context["share"] > 0.5 and "与上年报告相同" in found[0].message
    # half the sentences rewritten: at or under the threshold
    sentences = [s for s in re.split(r"[。；;\n]", prior["text"]["overview"] + "\n" + prior["text"]["problems"]) if s]
    rewritten = copy.deepcopy(prior)
    rewritten["text"]["overview"] = "。".join(f"今年第{n}项工作另有表述" for n in range(len(sentences)))
    assert not [f for f in validate(valid, FORM, prior=rewritten) if f.code == "copy.repeated_text"]
    assert not [f for f in validate(valid, FORM, prior=None) if f.code == "copy.repeated_text"]


def test_the_quick_verdict_on_equations_is_the_full_ones():
    """Equations that hold are decided before a finding's pieces are built: on amounts with many decimals,
    blanks and counts, the findings are the ones the full evaluation gives."""
    import random

    from converter.engine import rules
    from converter.engine.kinds import evaluate

    form = load_form(DEFAULT_FORM)
    rng = random.Random(7)
    real = rules._holds
    for trial in range(300):
        report = make_report("某局", 2025, scale=rng.choice([5, 50, 500]), seed=trial, form=form)
        for cell in form.numbers:
            roll = rng.random()
            if roll < 0.1:
                set_path(report, cell.key, None)
            elif roll < 0.3:
                set_path(report, cell.key, round(rng.uniform(0, 1000), rng.choice([1, 4, 7])))
        quick = [f.to_dict() for f in evaluate(form, report)]
        try:
            rules._holds = lambda rule, report: False
            full = [f.to_dict() for f in evaluate(form, report)]
        finally:
            rules._holds = real
        assert quick == full
