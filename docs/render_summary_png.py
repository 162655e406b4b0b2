"""Render the batch's summary workbook as printed, for docs/: batch → summary .xlsx → LibreOffice PDF → PNG.

    python docs/render_summary_png.py [OUT_DIR]

Builds a county's round (a roster of 14 agencies with long names; 9 return clean workbooks, 2 with
broken 勾稽关系, one a file that is not a workbook, one an older copy replaced by a newer one, 2 never
reply), runs `run_batch`, prints the summary workbook to PDF with LibreOffice, and writes
docs/summary.png: the first page of the sheets 单位, 汇总, 问题清单 and 合计, one under the other (pdftoppm + Pillow). With OUT_DIR
the PDF and every page's PNG are kept there to look at. Needs soffice and pdftoppm.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converter.engine.sample import make_report  # noqa: E402
from converter.excel.template import write_template  # noqa: E402
from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path  # noqa: E402
from converter.round.batch import run_batch  # noqa: E402

DPI = 60
# the first page of each sheet shown: 单位, 汇总 (first part), 问题清单, 合计
NEEDLES = ("报送情况（按单位）", "报送汇总（按文件）", "单元格", "个单位合计")
AGENCIES = ["某某县人民政府办公室", "某某县发展和改革局", "某某县教育局", "某某县公安局", "某某县民政局",
            "某某县财政局", "某某县人力资源和社会保障局", "某某县自然资源和规划局", "某某县住房和城乡建设局",
            "某某县交通运输局", "某某县卫生健康委员会", "某某县市场监督管理局", "某某县应急管理局",
            "某某县林业和草原局"]


def build_round(work: Path) -> Path:
    form = load_form(DEFAULT_FORM)
    inbox = work / "收件"
    inbox.mkdir(parents=True)
    (work / "名单.csv").write_text("单位名称,联系人,邮箱\n" + "".join(
        f"{a},联系人{i},office{i}@example.gov.cn\n" for i, a in enumerate(AGENCIES)), encoding="utf-8")
    for i, agency in enumerate(AGENCIES[:12]):
        report = make_report(agency, 2025, scale=10 + 15 * i, seed=i, form=form)
        if i in (3, 7):  # a broken balance: the annotated copy goes back
            key = "applications.carried_forward.research"
            set_path(report, key, (get_path(report, key) or 0) + 3)
        name = f"{agency}-2025年度政府信息公开工作年度报告填报表.xlsx"
        write_template(inbox / name, form, agency=agency, year=2025, values=report,
                       contact=f"联系人{i}", phone=f"0734-88{i:05d}")
    (inbox / f"{AGENCIES[5]}-旧版（请忽略）.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (inbox / "报送说明.docx").write_bytes(b"cover letter")
    out = work / "输出"
    run_batch(inbox, out, roster=work / "名单.csv", jobs=1, year=2025)
    return next(out.glob("*汇总.xlsx"))


def main() -> None:
    keep = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="summary-png-") as tmp:
        work = Path(tmp)
        xlsx = build_round(work)
        with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
            subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{profile}", "--headless",
                            "--norestore", "--convert-to", "pdf", "--outdir", str(work), str(xlsx)],
                           check=True, capture_output=True, timeout=180)
        pdf = work / (xlsx.stem + ".pdf")
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), str(pdf), str(work / "p")], check=True)
        pages = sorted(work.glob("p-*.png"))
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(pdf, keep / "summary.pdf")
            for p in pages:
                shutil.copy(p, keep / p.name)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        bodies = [body.replace(" ", "") for body in text.split("\f")]
        firsts = [next(p for p, body in zip(pages, bodies) if needle in body) for needle in NEEDLES]
        images = [Image.open(p).convert("RGB") for p in firsts[:4]]
        width = max(i.width for i in images)
        sheet = Image.new("RGB", (width, sum(i.height + 8 for i in images)), "#808080")
        y = 0
        for image in images:
            sheet.paste(image, (0, y))
            y += image.height + 8
        sheet.save(ROOT / "docs" / "summary.png", optimize=True)
        print(f"{len(pages)} pages; docs/summary.png from pages {[p.name for p in firsts[:4]]}")


if __name__ == "__main__":
    main()
