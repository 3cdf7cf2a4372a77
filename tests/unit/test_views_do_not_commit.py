"""Views parse, call one service through the page-action edge (timebank/web/) and render: the
edge commits and rolls back, never a view. Read from the source, so no app is needed."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "timebank"
VIEW_PACKAGES = ("auth", "member", "coordinate", "reports", "main")


def transaction_calls(path: Path) -> list[str]:
    """Every `<...>.session.commit()` or `.rollback()` in the file, as "file:line"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "rollback")
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "session"
        ):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


@pytest.mark.parametrize("package", VIEW_PACKAGES)
def test_no_view_module_commits_or_rolls_back(package):
    modules = sorted((PACKAGE / package).rglob("*.py"))
    assert modules, f"no modules found under timebank/{package}"
    assert [call for module in modules for call in transaction_calls(module)] == []


def test_the_check_sees_a_commit():
    sample = PACKAGE / "web" / "actions.py"
    assert transaction_calls(sample), "the edge commits: the check must find it"
