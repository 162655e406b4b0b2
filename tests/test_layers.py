"""The package's layers: lower never imports higher, siblings never import each other, no import cycle
(imports inside functions counted), and each subpackage says in its docstring what it may import."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "converter"
# package → layer; packages of one layer are siblings and never import each other
LAYERS = {"base": 0, "form": 1, "engine": 2, "excel": 3, "word": 3, "published": 3, "web": 3, "inputs": 4, "round": 5,
          "api": 6, "render": 6, "cli_chinese": 7, "cli": 8}


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(path: Path) -> set[str]:
    """Every converter.* module this file imports, wherever the import statement sits."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (the layers are read from absolute names)"
            mod = node.module or ""
            if mod.startswith("converter"):
                found.add(mod)
                found.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("converter"))
    return found


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


MODULES = _modules()
EDGES = {m: {t for t in _imports(p) if t in MODULES and t != m} for m, p in MODULES.items()}


def test_every_package_has_a_layer():
    assert {_package(m) for m in MODULES} - {None} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module):
    here = _package(module)
    for target in EDGES[module]:
        there = _package(target)
        if here is None or there is None or there == here:
            continue
        assert LAYERS[there] < LAYERS[here], f"{module} imports {target}: layer {LAYERS[there]} ≥ {LAYERS[here]}"


def test_no_import_cycle():
    def reach(start):
        seen, todo = set(), [start]
        while todo:
            for nxt in EDGES[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    cycles = sorted(m for m in MODULES if m in reach(m))
    assert not cycles, f"modules on an import cycle: {cycles}"


@pytest.mark.parametrize("package", sorted(p for p in LAYERS if (ROOT / p).is_dir()))
def test_package_docstring_says_what_it_may_import(package):
    doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8"))) or ""
    assert f"Layer {LAYERS[package]}" in doc
    assert "import" in doc.lower()


def test_the_layering_test_can_fail(tmp_path):
    """A module of a lower layer importing a higher one is caught by the same reading."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from converter.round.batch import run_batch\n", encoding="utf-8")
    assert "converter.round.batch" in _imports(bad)
