"""The layers contract is checked by `make lint` (import-linter, configured in pyproject.toml), which the test command
runs first. These tests show that it holds today and that it fails on what it exists to catch: an import running
back up a layer, and an import cycle between sibling modules."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "bench", "core", "customers", "credit", "portal")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the application's packages and the configuration, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(module: Path, line: str) -> None:
    text = module.read_text()
    module.write_text(f"{line}\n{text}" if not text.startswith('"""') else text.replace('"""\n', f'"""\n{line}\n', 1))


def test_the_layers_and_the_cycle_contracts_hold(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken." in result.stdout


def test_customers_importing_credit_breaks_the_layers(tree):
    add_import(tree / "customers" / "selectors.py", "import credit.models  # noqa")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "customers is not allowed to import credit" in result.stdout
    assert "customers.selectors -> credit.models" in result.stdout


def test_core_importing_an_app_breaks_the_layers(tree):
    add_import(tree / "core" / "events.py", "import customers.models  # noqa")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "core is not allowed to import customers" in result.stdout


def test_a_cycle_between_sibling_modules_breaks_the_cycle_contract(tree):
    # customers.services already imports customers.selectors: the reverse import closes a cycle.
    add_import(tree / "customers" / "selectors.py", "import customers.services  # noqa")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "No import cycles between sibling modules, in any package BROKEN" in result.stdout
    assert "No cycles are allowed in customers." in result.stdout
