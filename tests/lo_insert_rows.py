"""Run by LibreOffice's own Python (/usr/bin/python3 with the uno module), not by pytest:

    python3 lo_insert_rows.py SRC.xlsx OUT.xlsx SHEET:ROW:COUNT SHEET:@COL:COUNT ...

Starts a private headless LibreOffice, opens SRC, unprotects each named sheet and inserts COUNT rows
before sheet row ROW (or COUNT columns before column COL; 1-based) exactly as a user would, saves as
OUT (.xlsx), quits.
"""
import os
import sys
from pathlib import Path

from lo_session import desktop, prop


def main(src, out, edits, soffice="soffice"):
    with desktop(soffice) as office:
        doc = office.loadComponentFromURL(Path(src).resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
        for edit in edits:  # SHEET:ROW:COUNT inserts rows, SHEET:@COL:COUNT columns (1-based)
            name, where, count = edit.rsplit(":", 2)
            sheet = doc.Sheets.getByName(name)
            sheet.unprotect("")
            if where.startswith("@"):
                sheet.Columns.insertByIndex(int(where[1:]) - 1, int(count))
            else:
                sheet.Rows.insertByIndex(int(where) - 1, int(count))
        doc.storeToURL(Path(out).resolve().as_uri(), (prop("FilterName", "Calc Office Open XML"),))
        doc.close(True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:], os.environ.get("SOFFICE", "soffice"))
