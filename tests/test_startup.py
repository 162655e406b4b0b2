"""`converter check one.xlsx` answers fast: the CLI imports only what the command needs.

Timing is noisy on a shared machine, so these tests assert what a start-up loads, not how long it takes
(bench/README.md has the wall times)."""
import json
import subprocess
import sys

from converter.engine.sample import make_report
from converter.excel.template import write_template
from converter.form.definition import DEFAULT_FORM, load_form

HEAVY = ("jsonschema", "openpyxl", "docx", "xlsxwriter", "pdfplumber", "python_calamine", "lxml",
         "urllib.request", "http.client", "ssl", "email.message", "concurrent.futures", "multiprocessing")

PROBE = """
import json, sys
sys.argv = ["converter"] + json.loads(sys.argv[1])
import converter.cli
loaded = {name for name in sys.modules}
try:
    converter.cli.main()
except SystemExit as e:
    code = e.code
print(json.dumps({"at_import": sorted(loaded), "after": sorted(sys.modules), "code": code}))
"""


def _probe(args):
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_module():
    at_import = set(_probe(["--version"])["at_import"])
    assert not [m for m in HEAVY if m in at_import]


def test_check_of_a_clean_workbook_needs_neither_jsonschema_nor_a_writer(tmp_path):
    form = load_form(DEFAULT_FORM)
    path = tmp_path / "一份.xlsx"
    write_template(path, form, agency="某某市交通运输局", year=2025,
                   values=make_report("某某市交通运输局", 2025, seed=3, form=form))
    probe = _probe(["check", str(path)])
    assert probe["code"] == 0
    assert not [m for m in HEAVY if m in probe["after"]]
