import copy
import json

from converter.form.definition import DEFAULT_FORM, data_dir
from converter.engine.schema import build_schema, schema_text
from converter.engine.validate import validate


def test_committed_schema_is_current(form):
    committed = (data_dir("schemas") / f"{form.id}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(form), "schemas/ is stale: run python -m converter.engine.schema"


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
    found = {(f.code, f.location.path) for f in validate(bad, load_form(DEFAULT_FORM)) if f.code.startswith("schema.")}
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
    assert not [f for f in validate(ok, load_form(DEFAULT_FORM)) if f.code.startswith("schema.")]


# ---- the quick conformance check agrees with jsonschema ----------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

from converter.form.definition import load_form, set_path  # noqa: E402
from converter.engine.schema import compile_check, conforms, quick_schema, validator_for  # noqa: E402

_FORM = load_form(DEFAULT_FORM)
_PATHS = ["form", "agency", "year", "text", *(t.key for t in _FORM.texts), *(n.key for n in _FORM.numbers),
          "applications.granted", "review_litigation"]
_ANY = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                 st.text(max_size=5), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PATHS), _ANY, st.booleans()), max_size=4))
def test_quick_check_agrees_with_jsonschema(changes):
    from conftest import load_example

    report = load_example("hengyang-commerce-2025.json")
    for path, value, delete in changes:
        if delete and "." in path:
            parent, _, last = path.rpartition(".")
            from converter.form.definition import get_path

            node = get_path(report, parent)
            if isinstance(node, dict):
                node.pop(last, None)
        elif "." in path:
            from converter.form.definition import get_path

            if isinstance(get_path(report, path.rpartition(".")[0]), dict):
                set_path(report, path, value)
        else:
            report[path] = value
    schema = quick_schema(_FORM)
    assert schema is not None
    assert conforms(schema, report) == validator_for(_FORM).is_valid(report) == compile_check(schema)(report)
