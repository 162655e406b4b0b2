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
