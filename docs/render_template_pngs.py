"""Render the Excel template's sheets to images for docs/: template → LibreOffice PDF → pdftoppm PNG.

    python docs/render_template_pngs.py

Writes docs/template-<sheet>.png for every printed sheet of a blank template (agency and year filled),
and docs/template-表三-校验.png: 表三 filled with the broken example (three totals typed over their
formulas), recalculated by LibreOffice, so the ✘ checks show; docs/template-问题清单.png: the issue
list of the annotated copy `converter check --annotate` writes for it; docs/template-文字-长文字.png: the
文字 sheet holding a 1,000-character 一、总体情况 (the box grown with its text). Needs soffice, pdftoppm
and pdftotext.

    python docs/render_template_pngs.py prior

Writes only docs/template-prior-表二.png: a template made with `converter template --prior` from the
2024 example (上年结转 pre-filled, last year's 现行有效件数 beside 表二), 表二 filled with the 2025
example and recalculated, so one reminder check shows ✔ and one ⚠ 差N.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from converter.form.definition import DEFAULT_FORM, get_path, load_form  # noqa: E402
from converter.excel.layout import COVER, GUIDE, TEXTS  # noqa: E402
from converter.excel.template import write_template  # noqa: E402

DPI = 75


def to_pdf(xlsx: Path, work: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{profile}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(work), str(xlsx)],
                       check=True, capture_output=True, timeout=180)
    return xlsx.with_suffix(".pdf")


def page(pdf: Path, number: int, name: str) -> Path:
    prefix = ROOT / "docs" / f"template-{name}"
    subprocess.run(["pdftoppm", "-png", "-singlefile", "-r", str(DPI), "-f", str(number), "-l", str(number),
                    str(pdf), str(prefix)], check=True)
    return prefix.with_suffix(".png")


def page_with(pdf: Path, needle: str) -> int:
    """The first page whose text contains `needle` (sheets may print on more than one page)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    for number, body in enumerate(text.split("\f"), start=1):
        if needle in body.replace(" ", ""):
            return number
    raise SystemExit(f"{pdf.name}: no page shows {needle!r}")


def long_overview(chars: int = 1000) -> str:
    """An 一、总体情况 of about `chars` characters in the shape agencies write it: five headed sections."""
    parts = ["本机关认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
             "围绕中心工作，持续深化政务公开，全年政府信息公开工作平稳有序。"]
    heads = ["（一）主动公开", "（二）依申请公开", "（三）政府信息管理", "（四）平台建设", "（五）监督保障"]
    filler = ("全年通过门户网站主动公开政府信息，及时发布政策文件、财政预决算、重大建设项目、公共服务事项等"
              "信息，做好政策解读和回应关切，规范办理流程，按期答复，未发生因公开不当引发的行政复议和诉讼。")
    per = max(20, (chars - len(parts[0])) // len(heads) - 8)
    for head in heads:
        body = (filler * (per // len(filler) + 1))[:per]
        parts.append(f"{head}\n{body.rstrip('，、')}。")
    return "\n".join(parts)


def prior_page() -> Path:
    import openpyxl
    from xlsx_fill import fill

    from converter.inputs.priors import load_prior

    form = load_form(DEFAULT_FORM)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        prior = load_prior(ROOT / "examples" / "district-market-regulation-2024.json", load_form(DEFAULT_FORM))
        made = work / "prior.xlsx"
        write_template(made, form, agency=prior.agency, year=prior.year + 1, prior=prior)
        current = json.loads((ROOT / "examples" / "district-market-regulation-2025.json").read_text(encoding="utf-8"))
        wb = openpyxl.load_workbook(made)
        fill(wb, current, keys=[n.key for n in form.table["t2"].numbers])
        wb.save(made)
        sheets = [COVER, GUIDE, TEXTS, *(t.name for t in form.tables)]
        return page(to_pdf(made, work), sheets.index("表二") + 1, "prior-表二")


def main() -> None:
    if sys.argv[1:] == ["prior"]:
        png = prior_page()
        print(f"{png.relative_to(ROOT)}  {png.stat().st_size // 1024} KB")
        return
    form = load_form(DEFAULT_FORM)
    sheets = [COVER, GUIDE, TEXTS, *(t.name for t in form.tables)]  # one printed page each
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        blank = work / "template.xlsx"
        write_template(blank, form, agency="衡阳市商务局", year=2025)
        pdf = to_pdf(blank, work)
        for i, sheet in enumerate(sheets, start=1):
            out.append(page(pdf, i, sheet))
        import openpyxl
        from xlsx_fill import fill, named_cell

        broken = json.loads((ROOT / "examples" / "county-education-2025-broken.json").read_text(encoding="utf-8"))
        filled = work / "filled.xlsx"
        write_template(filled, form, agency=broken["agency"], year=broken["year"])
        wb = openpyxl.load_workbook(filled)
        fill(wb, broken)
        for key in ("applications.results_total.natural_person", "applications.granted.total"):
            named_cell(wb, key).value = get_path(broken, key)
        wb.save(filled)
        pdf = to_pdf(filled, work)
        out.append(page(pdf, page_with(pdf, "表三收到和处理政府信息公开申请情况"), "表三-校验"))
        from converter.api import check_file
        from converter.excel.annotate import annotate

        result = check_file(filled)
        annotated = work / "annotated.xlsx"
        annotate(result.loaded, result.findings, annotated)
        out.append(page(to_pdf(annotated, work), 2, "问题清单"))  # the annotated copy: 封面, 问题清单, …
        long_text = work / "long-text.xlsx"
        values = json.loads((ROOT / "examples" / "hengyang-commerce-2025.json").read_text(encoding="utf-8"))
        values["text"]["overview"] = long_overview()
        print(f"一、总体情况 of {len(values['text']['overview'])} characters")
        write_template(long_text, form, agency=values["agency"], year=values["year"], values=values)
        pdf = to_pdf(long_text, work)
        out.append(page(pdf, page_with(pdf, "（五）监督保障"), "文字-长文字"))  # the page with its end
    for png in out:
        print(f"{png.relative_to(ROOT)}  {png.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
