import json
import sys
from pathlib import Path

import pytest

from converter.form.definition import DEFAULT_FORM, available_forms, load_form

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def load_example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture
def hengyang():
    return load_example("hengyang-commerce-2025.json")


@pytest.fixture(params=available_forms())
def form(request):
    """Every bundled edition: a form-dependent test runs once per edition."""
    return load_form(request.param)


def example_reports():
    """Every bundled example report JSON (not the returned workbooks)."""
    return sorted(p for p in EXAMPLES.glob("*.json"))


# reports rendered as our Word report and then as PDF by LibreOffice, once per test session:
# name → (report, make_report keywords, build_report keywords)
PDF_CASES = {
    "plain": (dict(agency="某某市交通运输局", year=2025, seed=1), {}),
    "blanks": (dict(agency="某某省某某市某某区交通运输局", year=2024, seed=2, blanks=0.5),
               {"sign_date": "2025-01-20"}),
    "large": (dict(agency="某某省某某市某某区人民政府办公室", year=2024, seed=3, scale=20000, blanks=0.1), {}),
    "draft": (dict(agency="某某县教育局", year=2025, seed=9), {"draft": True}),
}


@pytest.fixture(scope="session")
def published_pdfs(tmp_path_factory):
    """{name: (report, pdf path)}: make_report → build_report (.docx) → PDF, all in one LibreOffice call."""
    import datetime

    from office import convert_many

    from converter.engine.sample import make_report
    from converter.form.definition import load_form
    from converter.word.report import build_report

    form = load_form(DEFAULT_FORM)
    out = tmp_path_factory.mktemp("published-pdf")
    reports, docs = {}, []
    for name, (report_kw, build_kw) in PDF_CASES.items():
        report = make_report(form=form, **report_kw)
        if "sign_date" in build_kw:
            build_kw = {**build_kw, "sign_date": datetime.date.fromisoformat(build_kw["sign_date"])}
        data, _ = build_report(report, form, **build_kw)
        path = out / f"{name}.docx"
        path.write_bytes(data)
        reports[name] = report
        docs.append(path)
    pdfs = convert_many(docs, "pdf", out)
    return {name: (reports[name], pdf) for name, pdf in zip(reports, pdfs)}
