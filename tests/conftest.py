import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def load_example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture
def hengyang():
    return load_example("hengyang-commerce-2025.json")


@pytest.fixture
def form():
    from converter.form.definition import load_form

    return load_form()


def example_reports():
    """Every bundled example report JSON (not the returned workbooks)."""
    return sorted(p for p in EXAMPLES.glob("*.json"))
