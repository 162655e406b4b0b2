"""Run by LibreOffice's own Python (/usr/bin/python3 with the uno module), not by pytest:

    python3 lo_insert_rows.py SRC.xlsx OUT.xlsx SHEET:ROW:COUNT SHEET:@COL:COUNT ...

Starts a private headless LibreOffice, opens SRC, unprotects each named sheet and inserts COUNT rows
before sheet row ROW (or COUNT columns before column COL; 1-based) exactly as a user would, saves as
OUT (.xlsx), quits.
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(src, out, edits, soffice="soffice"):
    pipe = f"lo-insert-{int(time.time() * 1000)}"
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        proc = subprocess.Popen([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                                 "--nologo", f"--accept=pipe,name={pipe};urp;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
            for _ in range(120):
                try:
                    ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                    break
                except Exception:
                    time.sleep(0.5)
            else:
                raise SystemExit("LibreOffice did not start")
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            doc = desktop.loadComponentFromURL(Path(src).resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
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
            try:
                desktop.terminate()
            except Exception:
                pass
        finally:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:], os.environ.get("SOFFICE", "soffice"))
