"""Regenerate examples/returned/: the example reports as returned, filled workbooks.

    python examples/make_returned.py

They are what an office's inbox looks like: workbooks from our template, filled by agencies.
"""
import json
from pathlib import Path

from converter.form.definition import DEFAULT_FORM, load_form
from converter.round.roster import workbook_name
from converter.excel.template import write_template

HERE = Path(__file__).resolve().parent
RETURNED = ["hengyang-commerce-2025.json", "city-natural-resources-2025.json",
            "county-education-2025-broken.json", "district-market-regulation-2025.json"]

if __name__ == "__main__":
    out = HERE / "returned"
    out.mkdir(exist_ok=True)
    for name in RETURNED:
        report = json.loads((HERE / name).read_text(encoding="utf-8"))
        target = out / workbook_name(report["agency"], report["year"])
        write_template(target, load_form(DEFAULT_FORM), agency=report["agency"], year=report["year"], values=report,
                       contact="张三", phone="0734-0000000")
        print(target)
