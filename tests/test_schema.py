import copy
import json

from converter.form import data_dir
from converter.schema import build_schema, schema_text
from converter.validate import validate


def test_committed_schema_is_current(form):
    committed = (data_dir("schemas") / f"{form.id}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(form), "schemas/ is stale: run python -m converter.schema"


def test_schema_accepts_every_example(form):
    import jsonschema

    from conftest import example_reports

    v = jsonschema.Draft202012Validator(build_schema(form))
    for path in example_reports():
        assert list(v.iter_errors(json.loads(path.read_text(encoding="utf-8")))) == [], path


def test_schema_errors_all_reported_with_paths(hengyang):
    bad = copy.deepcopy(hengyang)
    bad["applications"]["granted"]["total"] = 1.5
    bad["active_disclosure"]["fees"]["amount_wan_yuan"] = -2
    bad["review_litigation"]["review"]["upheld"] = "3"
    bad["text"]["overview"] = None
    bad["surprise"] = 1
    del bad["text"]["other"]
    found = {(f.code, f.location.path) for f in validate(bad) if f.code.startswith("schema.")}
    assert found == {
        ("schema.type", "applications.granted.total"),
        ("schema.minimum", "active_disclosure.fees.amount_wan_yuan"),
        ("schema.type", "review_litigation.review.upheld"),
        ("schema.type", "text.overview"),
        ("schema.additionalProperties", ""),
        ("schema.required", "text"),
    }


def test_fee_decimals_and_null_allowed(hengyang):
    ok = copy.deepcopy(hengyang)
    ok["active_disclosure"]["fees"]["amount_wan_yuan"] = 24252.311082
    ok["active_disclosure"]["licensing"]["decisions"] = None
    assert not [f for f in validate(ok) if f.code.startswith("schema.")]
