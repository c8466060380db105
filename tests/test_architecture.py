"""The layout docs/architecture.md describes stays true: engine knowledge lives in backends/, and imports point
from backends to translator."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from translator.registry import all_backends

ROOT = Path(__file__).resolve().parent.parent
TRANSLATOR = ROOT / "translator"
# translator/migration still reads NetworkPolicy documents through the kubernetes backend's API model (MS1-MS5
# and the pre-migration edits); nothing else in translator/ imports a backend by name.
KNOWN_BACKEND_IMPORTS = {
    ("translator/migration/inputs.py", "backends.kubernetes.api"),
    ("translator/migration/edits.py", "backends.kubernetes.api"),
    ("translator/migration/validator.py", "backends.kubernetes.api"),
    ("translator/migration/validator.py", "backends.kubernetes.read"),
}


def _code_strings(path: Path) -> list[str]:
    """The string constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings]


def test_translator_names_no_engine() -> None:
    names = set(all_backends())
    found = [(str(p.relative_to(ROOT)), s) for p in sorted(TRANSLATOR.rglob("*.py")) for s in _code_strings(p)
             if s in names]
    assert found == []
    pattern = re.compile(r'"(' + "|".join(map(re.escape, sorted(names))) + r')"')
    assert [p.name for p in TRANSLATOR.rglob("*.py") if pattern.search(p.read_text())] == []


def test_translator_imports_no_backend_module() -> None:
    found = set()
    for path in sorted(TRANSLATOR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            found |= {(str(path.relative_to(ROOT)), m) for m in modules if m.startswith("backends.")}
    assert found == KNOWN_BACKEND_IMPORTS


def test_every_translator_package_is_in_the_architecture_page() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    for path in sorted(TRANSLATOR.iterdir()):
        if path.is_dir() and (path / "__init__.py").exists():
            assert f"`{path.name}/`" in page, path.name
        elif path.suffix == ".py" and path.stem not in ("__init__", "__main__"):
            assert f"`{path.name}`" in page or f"`{path.stem}.py`" in page, path.name
