"""The refusal catalogue is the one list: every code raised anywhere is in it, and README lists it."""
import re
from pathlib import Path

from converter.base.refusals import CATALOGUE, message

ROOT = Path(__file__).resolve().parent.parent
RAISED = re.compile(r"""(?:refuse|InputError)\(\s*["']([a-z_]+\.[a-z_]+)["']|"code":\s*"([a-z_]+\.[a-z_]+)\"""")


def test_every_code_raised_is_in_the_catalogue():
    raised = set()
    for path in (ROOT / "converter").rglob("*.py"):
        for m in RAISED.finditer(path.read_text(encoding="utf-8")):
            raised.add(m.group(1) or m.group(2))
    assert raised, "the pattern must find the codes"
    assert raised - set(CATALOGUE) == set()


def test_readme_lists_every_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [code for code in CATALOGUE if f"| `{code}` |" not in readme]
    assert missing == []


def test_every_message_names_the_file_and_is_chinese():
    for code, (template, meaning) in CATALOGUE.items():
        assert template.startswith("{path}：") and meaning, code
        text = message(code, "某局.xlsx")
        assert text.startswith("某局.xlsx：") and re.search(r"[\u4e00-\u9fff]", text), code
