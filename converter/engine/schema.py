"""The JSON Schema (draft 2020-12) of a form's report JSON, generated from its definition.

schemas/<form>.schema.json is this output, committed; a test fails when it drifts.
"""
from __future__ import annotations

import json

from converter.form.definition import Form, available_forms, data_dir, load_form

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _object(properties: dict) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


def _insert(tree: dict, path: str, leaf: dict) -> None:
    *parents, last = path.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[last] = leaf


def _build(tree: dict) -> dict:
    return _object({k: (_build(v) if "type" not in v else v) for k, v in tree.items()})


def build_schema(form: Form) -> dict:
    tree: dict = {}
    for t in form.texts:
        _insert(tree, t.key, {"type": "string", "description": t.label})
    for n in form.numbers:
        nt = form.number_types[n.type]
        _insert(tree, n.key, {"type": [nt["json"], "null"], "minimum": nt["minimum"],
                              "description": f"{n.table_name}「{n.row_label}」行「{n.col_label}」列"})
    body = _build(tree)
    head = {
        "form": {"const": form.id, "description": f"{form.name}（{form.basis}）"},
        "agency": {"type": "string", "minLength": 1, "description": "单位全称"},
        "year": {"type": "integer", "minimum": form.first_year, "maximum": 2100, "description": "报告年度"},
    }
    schema = _object({**head, **body["properties"]})
    return {"$schema": DRAFT, "$id": f"{form.id}.schema.json",
            "title": f"{form.name}（{form.edition}年版）", **schema}


def schema_text(form: Form) -> str:
    return json.dumps(build_schema(form), ensure_ascii=False, indent=2) + "\n"


def schema_path(form_id: str):
    return data_dir("schemas") / f"{form_id}.schema.json"


_VALIDATORS: dict[int, tuple[Form, object]] = {}


def validator_for(form: Form):
    """Built once per form and process: building a jsonschema validator per document costs 10× the check."""
    import jsonschema

    known = _VALIDATORS.get(id(form))
    if known is None or known[0] is not form:
        known = _VALIDATORS[id(form)] = (form, jsonschema.Draft202012Validator(build_schema(form)))
    return known[1]


# ---- a quick conformance test for the subset of JSON Schema that build_schema emits --------------
_SUPPORTED = {"$schema", "$id", "title", "description", "type", "properties", "required",
              "additionalProperties", "minimum", "maximum", "minLength", "const"}
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def supports_quick_check(schema: dict) -> bool:
    """True when every keyword in the schema is one `conforms` understands."""
    if not isinstance(schema, dict) or set(schema) - _SUPPORTED:
        return False
    if "type" in schema and any(t not in _TYPES for t in ([schema["type"]] if isinstance(schema["type"], str)
                                                          else schema["type"])):
        return False
    if schema.get("additionalProperties", False) is not False:
        return False
    return all(supports_quick_check(sub) for sub in schema.get("properties", {}).values())


def conforms(schema: dict, value) -> bool:
    """Whether `value` is valid against `schema` (one of build_schema's): about 20× faster than jsonschema.

    The validator calls jsonschema only when this says no, to get the errors themselves.
    """
    if "const" in schema and not (value == schema["const"] and type(value) is type(schema["const"])):
        return False
    if "type" in schema:
        types = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
        if not any(_TYPES[t](value) for t in types):
            return False
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, (int, float)):
        if value != value:  # NaN compares false with every bound
            return "minimum" not in schema and "maximum" not in schema
        return value >= schema.get("minimum", value) and value <= schema.get("maximum", value)
    if isinstance(value, str):
        return len(value) >= schema.get("minLength", 0)
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        if any(k not in value for k in schema.get("required", ())) or any(k not in props for k in value):
            return False
        return all(conforms(props[k], v) for k, v in value.items())
    return True


_MISSING = object()


def compile_check(schema: dict):
    """`conforms(schema, ·)` as a function built once: each node's keywords looked up when it is built, not
    for every value (a report has a few hundred cells: ~0.4 → ~0.1 ms). The same answers (a test compares
    both with jsonschema)."""
    const = schema.get("const", _MISSING)
    named = [schema["type"]] if isinstance(schema.get("type"), str) else schema.get("type")
    types = tuple(_TYPES[t] for t in named) if named is not None else None
    bounded = "minimum" in schema or "maximum" in schema
    low, high = schema.get("minimum"), schema.get("maximum")
    min_length = schema.get("minLength", 0)
    props = ({k: compile_check(sub) for k, sub in schema["properties"].items()}
             if "properties" in schema else None)
    required = tuple(schema.get("required", ()))

    def check(value) -> bool:
        if const is not _MISSING and not (value == const and type(value) is type(const)):
            return False
        if types is not None:
            for t in types:
                if t(value):
                    break
            else:
                return False
        if value is None or isinstance(value, bool):
            return True
        if isinstance(value, (int, float)):
            if not bounded:
                return True
            if value != value:  # NaN compares false with every bound
                return False
            return (low is None or value >= low) and (high is None or value <= high)
        if isinstance(value, str):
            return len(value) >= min_length
        if props is not None and isinstance(value, dict):
            for k in required:
                if k not in value:
                    return False
            for k, v in value.items():
                sub = props.get(k)
                if sub is None or not sub(v):
                    return False
        return True

    # the report's leaves, a few hundred a report: the plain case answered before the general one
    if const is _MISSING and props is None and named is not None:
        if set(named) == {"integer", "null"} or set(named) == {"number", "null"}:
            def leaf(value) -> bool:
                if value is None:
                    return True
                if type(value) is int:
                    return (low is None or value >= low) and (high is None or value <= high)
                return check(value)

            return leaf
        if named == ["string"]:
            def text(value) -> bool:
                return len(value) >= min_length if type(value) is str else check(value)

            return text
    return check


_QUICK: dict[int, tuple[Form, dict | None]] = {}
_CHECKS: dict[int, tuple[Form, object]] = {}


def quick_check(form: Form):
    """compile_check of the form's quick schema, once per form and process (None: jsonschema must judge)."""
    known = _CHECKS.get(id(form))
    if known is None or known[0] is not form:
        schema = quick_schema(form)
        known = _CHECKS[id(form)] = (form, compile_check(schema) if schema is not None else None)
    return known[1]


def quick_schema(form: Form) -> dict | None:
    """The form's schema when `conforms` can judge it, built once per form and process without importing
    jsonschema (~0.1 s of start-up, paid only when a report does not conform)."""
    known = _QUICK.get(id(form))
    if known is None or known[0] is not form:
        schema = build_schema(form)
        known = _QUICK[id(form)] = (form, schema if supports_quick_check(schema) else None)
    return known[1]


if __name__ == "__main__":  # python -m converter.engine.schema: regenerate schemas/ from templates/
    for fid in available_forms():
        schema_path(fid).write_text(schema_text(load_form(fid)), encoding="utf-8")
        print(schema_path(fid))
