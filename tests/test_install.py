"""`pip install .` (not editable) ships the definition and the schema; the command works from anywhere."""
import json
import os
import shutil
import subprocess
import sys

from conftest import EXAMPLES, ROOT


def test_non_editable_install_runs_check_from_another_directory(tmp_path):
    target = tmp_path / "site"
    source = tmp_path / "src"  # a clean copy: a stale build/ folder in the checkout must not hide a missing package
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__",
                                                                   "bench", "docs", ".hypothesis", ".pytest_cache"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert (target / "converter" / "templates" / "gov-info-disclosure-2021.json").is_file()
    assert (target / "converter" / "schemas" / "gov-info-disclosure-2021.schema.json").is_file()
    assert {p.name for p in (target / "converter" / "templates" / "styles").glob("*.json")} >= {"gbt9704.json", "gbk.json"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    for name, code in [("hengyang-commerce-2025.json", 0), ("county-education-2025-broken.json", 1)]:
        run = subprocess.run([sys.executable, "-m", "converter.cli", "check", str(EXAMPLES / name)],
                             cwd=elsewhere, env=env, capture_output=True, text=True)
        assert run.returncode == code, run.stdout + run.stderr
    probe = subprocess.run([sys.executable, "-c", "import converter; print(converter.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True)
    assert probe.stdout.startswith(str(target))
    # every sub-package ships: each module of the source tree imports from the installed copy
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "converter").rglob("*.py"))
    modules = [m.removesuffix(".__init__") for m in modules]
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    assert importlib.import_module(m).__file__.startswith(%r), m" % str(target)
    probe = subprocess.run([sys.executable, "-c", code, *modules], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    imported = subprocess.run([sys.executable, "-m", "converter.cli", "import",
                               str(EXAMPLES / "published" / "hengyang-commerce-2025.txt")],
                              cwd=elsewhere, env=env, capture_output=True, text=True)
    assert imported.returncode == 0 and "Traceback" not in imported.stderr, imported.stderr
    assert json.loads(imported.stdout)["agency"] == "衡阳市商务局"
