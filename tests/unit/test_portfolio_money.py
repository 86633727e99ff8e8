"""A model portfolio's money has one writer (`services/portfolios/money.py`), which moves it
under the portfolio's lock by the figures the OMS's ledger booked."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tradertape"
MONEY = {"current_capital", "deployed_capital", "committed_capital", "charges_paid"}
WRITER = "services/portfolios/money.py"


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def _writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        for target in _targets(node):
            if not isinstance(target, ast.Attribute):
                continue
            owner = ast.unparse(target.value)
            if target.attr in MONEY or (target.attr == "realised_pnl" and "portfolio" in owner):
                found.append(f"{path.relative_to(SRC)}:{target.lineno} {owner}.{target.attr}")
    return found


def test_only_the_money_module_writes_a_portfolios_money():
    writes = [
        write
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts and str(path.relative_to(SRC)) != WRITER
        for write in _writes(path)
    ]
    assert writes == []


def test_the_money_module_is_seen_writing():
    """The check above reads the assignments it means to forbid."""
    assert len(_writes(SRC / WRITER)) >= 10
