"""Run by LibreOffice's own Python (/usr/bin/python3 with the uno module), not by pytest:

    python3 lo_edit_many.py JOBS.json

JOBS.json is a list of {"src": …, "out": …, "insert": [[SHEET, ROW, COUNT], …],
"set": [[SHEET, ROW, COL, VALUE], …]}. One private headless LibreOffice does every job: open SRC,
unprotect and insert COUNT rows before sheet row ROW (1-based, in order, as a user would), then type
each VALUE (a number or a text) into ROW/COL (1-based, after the insertions), recalculate everything
and save as OUT (.xlsx). One start-up of the office suite for all the workbooks.
"""
import json
import os
import sys
from pathlib import Path

from lo_session import desktop, prop


def main(jobs_file, soffice="soffice"):
    jobs = json.loads(Path(jobs_file).read_text(encoding="utf-8"))
    with desktop(soffice) as office:
        for job in jobs:
            doc = office.loadComponentFromURL(Path(job["src"]).resolve().as_uri(), "_blank", 0,
                                              (prop("Hidden", True),))
            for name, row, count in job.get("insert", ()):
                sheet = doc.Sheets.getByName(name)
                sheet.unprotect("")
                sheet.Rows.insertByIndex(int(row) - 1, int(count))
            for name, row, col, value in job.get("set", ()):
                sheet = doc.Sheets.getByName(name)
                sheet.unprotect("")
                cell = sheet.getCellByPosition(int(col) - 1, int(row) - 1)
                if isinstance(value, str):
                    cell.setString(value)
                else:
                    cell.setValue(value)
            doc.calculateAll()
            doc.storeToURL(Path(job["out"]).resolve().as_uri(), (prop("FilterName", "Calc Office Open XML"),))
            doc.close(True)


if __name__ == "__main__":
    main(sys.argv[1], os.environ.get("SOFFICE", "soffice"))
