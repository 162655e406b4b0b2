"""The definition matches the official grids of format-2021.md."""
import pytest

from converter.base.errors import InputError

from converter.form.definition import DEFAULT_FORM, form_from_dict, load_form


def test_official_table_sizes(form):
    sizes = {t.name: (t.cols, t.rows, len(t.numbers)) for t in form.tables}
    assert sizes == {"表二": (4, 14, 10), "表三": (10, 28, 175), "表四": (15, 4, 15)}


def test_every_grid_slot_covered_exactly_once(form):
    for table in form.tables:
        seen = {}
        for cell in (*table.labels, *table.numbers):
            for r in range(cell.r, cell.r + cell.rs):
                for c in range(cell.c, cell.c + cell.cs):
                    assert (r, c) not in seen, f"{table.name} R{r}C{c} covered twice"
                    seen[(r, c)] = cell
        assert len(seen) == table.rows * table.cols


def test_key_merges_of_table_three(form):
    t3 = form.table["t3"]
    spans = {lab.text: (lab.r, lab.c, lab.rs, lab.cs) for lab in t3.labels}
    assert spans["三、本年度办理结果"] == (6, 1, 22, 1)
    assert spans["（三）不予公开"] == (8, 2, 8, 1)
    assert spans["（四）无法提供"] == (16, 2, 3, 1)
    assert spans["（五）不予处理"] == (19, 2, 5, 1)
    assert spans["（六）其他处理"] == (24, 2, 3, 1)
    assert spans["申请人情况"] == (1, 4, 1, 7)
    assert spans["法人或其他组织"] == (2, 5, 1, 5)


def test_keys_follow_report_json(form):
    rows = list(dict.fromkeys(k.split(".")[1] for k in form.cell if k.startswith("applications.")))
    assert rows[0] == "new_received" and rows[-1] == "carried_forward" and len(rows) == 25
    assert form.cell["active_disclosure.fees.amount_wan_yuan"].type == "amount"
    assert form.cell["applications.granted.natural_person"].row_label == "（一）予以公开"
    assert form.cell["review_litigation.litigation_after_review.pending"].col_label == "尚未审结"


def test_derived_cells_are_the_totals(form):
    derived = set(form.derived)
    assert "applications.results_total.natural_person" in derived
    assert "applications.granted.total" in derived
    assert "review_litigation.review.total" in derived
    assert "applications.new_received.natural_person" not in derived
    assert len(form.inputs) + len(derived) == len(form.numbers)


def test_label_variants_fold(form):
    n = form.normalize_label
    assert n("(二)部分公开(区分处理的,只计这一情形,不计其他情形)") == n("（二）部分公开（区分处理的，只计这一情形，不计其他情形）")
    assert n("3.危及\"三安全一稳定\"") == n("3.危及“三安全一稳定”")
    assert n("商业 企业") == n("商业\n企业") == n("商业企业")
    assert "规范性文件" in next(lab.aliases for lab in form.table["t2"].labels if lab.text == "行政规范性文件")


def test_definition_that_names_a_missing_cell_is_rejected():
    spec = dict(load_form(DEFAULT_FORM).source)
    spec["rules"] = [{"id": "bad", "kind": "sum", "severity": "error", "title": "x",
                      "target": "applications.nope.total", "parts": ["applications.granted.total"]}]
    with pytest.raises(InputError) as e:
        form_from_dict(spec, "试验表式.json")
    assert e.value.code == "form.invalid"
    assert "试验表式.json" in e.value.message and "rules[0]" in e.value.message
    assert "applications.nope.total" in e.value.message


def test_an_equation_rule_without_title_is_named_by_its_equation():
    import copy

    spec = copy.deepcopy(load_form(DEFAULT_FORM).source)
    for rule in spec["rules"]:
        if rule["id"] in ("t4.total", "prior.in_force"):
            rule.pop("title")
    form = form_from_dict(spec, "无标题.json")
    titles = {r.code: r.title for r in form.rules}
    assert titles["t4.total"] == "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结"
    assert titles["prior.in_force"] == "现行有效件数 = 上年现行有效件数 + 本年制发件数 − 本年废止件数"


def test_every_bundled_edition_conforms_to_the_definition_schema(form):
    """load_form trusts the bundled editions (no jsonschema at start-up): this is where they are checked."""
    from converter.form.definition import _schema_problem

    assert _schema_problem(form.source) is None
    rebuilt = form_from_dict(form.source, form.id)  # the careful path builds the same form
    assert rebuilt == form
