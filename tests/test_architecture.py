"""No service imports another (they talk over HTTP); shared and the importer import no service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "dudao_gateway": ROOT / "services/gateway/dudao_gateway",
    "dudao_tasks": ROOT / "services/tasks/dudao_tasks",
    "dudao_indicators": ROOT / "services/indicators/dudao_indicators",
    "dudao_shared": ROOT / "shared/dudao_shared",
}
IMPORTER = ROOT / "importer/dudao_importer"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for file in path.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_cross_service_imports(package: str) -> None:
    forbidden = set(PACKAGES) - {package, "dudao_shared"}
    if package == "dudao_shared":
        forbidden = set(PACKAGES) - {"dudao_shared"}
    assert _imports(PACKAGES[package]) & forbidden == set()


def test_importer_imports_no_service() -> None:
    found = {m for m in _imports(IMPORTER) if m.startswith("dudao_")}
    assert found <= {"dudao_shared", "dudao_importer"}, found


def test_only_the_task_service_and_the_cli_use_the_importer() -> None:
    # The parsed-plan contract is in dudao_shared so that readers need no PDF or Word library.
    users = {pkg for pkg, path in PACKAGES.items() if "dudao_importer" in _imports(path)}
    assert users <= {"dudao_tasks"}, users


def test_jwt_library_wrapped_in_one_module() -> None:
    users = [
        f for pkg in PACKAGES.values() for f in pkg.rglob("*.py")
        if "jose" in _imports_of_file(f)
    ]
    assert [f.relative_to(ROOT).as_posix() for f in users] == ["shared/dudao_shared/tokens.py"]


def _imports_of_file(file: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out
