"""Letters use only the Foundation: never Storage, Conversations or anything else in bot/.
The benchmark imports no test code. Nothing heavy happens at import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOUNDATION = {
    "bot.settings",
    "bot.texts",
    "bot.topics",
    "bot.errors",
    "bot.keys",
    "bot.labels",
    "bot.yamlfile",
}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_letters_import_only_the_foundation() -> None:
    for path in sorted((ROOT / "bot" / "letters").glob("*.py")):
        for module in imported_modules(path):
            if module.startswith("bot.") and not module.startswith("bot.letters"):
                assert module in FOUNDATION, f"{path.name} imports {module}"


def test_the_benchmark_imports_no_test_code() -> None:
    for script in ("bench_letters.py", "make_letter_set.py"):
        modules = imported_modules(ROOT / "scripts" / script)
        assert not any(m == "tests" or m.startswith("tests.") for m in modules), script


def test_importing_letters_loads_no_model() -> None:
    probe = (
        "import sys, bot.letters.read, bot.letters.explain, bot.letters.cli;"
        "print('rapidocr' in sys.modules, 'onnxruntime' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
