"""inspect: golden outputs for notifications written in Acumatica's documented format.

Refresh after an intended change: UPDATE_GOLDEN=1 python -m pytest tests/test_inspect.py"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import SAMPLES, cli, updating_golden

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden" / "inspect"
DEFINITION = {
    "stock-item-status-update": FIXTURES / "definitions/stock-items-docs.yaml",
    "item-availability-update": FIXTURES / "definitions/item-availability.yaml",
}
NOTIFICATIONS = sorted((FIXTURES / "notifications").glob("*.json"))


CUSTOMERS_WITH_DEL = FIXTURES / "definitions/customers-with-del.yaml"


def definition_for(path: Path) -> Path:
    return DEFINITION.get(path.stem, CUSTOMERS_WITH_DEL)


@pytest.mark.parametrize("notification", NOTIFICATIONS, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["txt", "json"])
def test_inspect_golden(notification, fmt):
    args = ["inspect", notification, "--table", definition_for(notification)] + (["--json"] if fmt == "json" else [])
    r = cli(*args)
    assert r.exit_code in (0, 1), r.output
    golden = GOLDEN / f"{notification.stem}.{fmt}"
    if updating_golden():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(r.stdout)
    assert r.stdout == golden.read_text()
    if fmt == "json":
        assert json.loads(r.stdout)["ok"] == (r.exit_code == 0)


def report(name: str) -> dict:
    path = FIXTURES / "notifications" / f"{name}.json"
    r = cli("inspect", path, "--table", definition_for(path), "--json")
    return json.loads(r.stdout)


def test_update_pairs_by_trimmed_key():
    data = report("item-availability-update")
    assert data["counts"] == {"update": 1}
    assert data["rows"][0]["changes"] == [
        {"column": "Warehouse", "old": "EAST", "new": "EAST "},
        {"column": "InventoryID", "old": "BOLT-M6 ", "new": "BOLT-M6"},
        {"column": "QtyAvailable", "old": 400, "new": 388}]
    assert any("padded with spaces" in n for n in data["notes"])
    assert any("missing Jigx column _mod" in p for p in data["problems"])


def test_row_kinds():
    assert report("customers-insert")["counts"] == {"insert": 1}
    assert report("customers-update")["counts"] == {"update": 1}
    assert report("customers-soft-delete")["counts"] == {"soft-delete": 1}
    # a row in Deleted only left the inquiry: deleted, or it no longer meets its conditions (issue 11)
    assert report("customers-delete")["counts"] == {"left": 1}
    assert report("customers-mixed")["counts"] == {"insert": 1, "update": 1, "left": 1}
    assert report("customers-insert")["ok"] is True


def test_problems_are_named():
    renamed = report("customers-renamed-caption")
    assert renamed["missing_columns"] == ["CustomerName"] and renamed["unexpected_columns"] == ["Customer_Name"]
    assert any("renamed in Acumatica" in p for p in renamed["problems"])
    assert any("empty or missing key" in p for p in report("customers-empty-key")["problems"])
    wrong = report("customers-wrong-tab-no-mod")
    assert any("_tab is" in p for p in wrong["problems"]) and any("_mod" in p for p in wrong["problems"])
    assert any("lowercase GUID" in n for n in wrong["notes"])


def test_definition_found_through_the_solution(tmp_path):
    app = tmp_path / "app"
    assert cli("generate", CUSTOMERS_WITH_DEL, "--out", app).exit_code == 0
    r = cli("inspect", FIXTURES / "notifications/customers-update.json", "--solution", app)
    assert r.exit_code == 0 and "update" in r.stdout
    r = cli("inspect", FIXTURES / "notifications/stock-item-status-update.json", "--solution", app)
    assert r.exit_code == 2 and "no table in the solution has the inquiry title" in r.stderr
    assert "'Jigx CDC customers'" in r.stderr
    r = cli("inspect", FIXTURES / "notifications/customers-update.json", "--solution", tmp_path / "elsewhere")
    assert r.exit_code == 2 and "holds no table definitions" in r.stderr and "--table DEF" in r.stderr


@pytest.mark.parametrize("content,message", [
    ("{not json", "not valid JSON"),
    ('{"Inserted": []}', "missing required properties"),
    ('{"Inserted": {}, "Deleted": [], "Query": "q", "CompanyId": "c"}', "Inserted must be an array"),
    ("[1, 2]", "must be a JSON object"),
])
def test_bad_notifications(tmp_path, content, message):
    path = tmp_path / "n.json"
    path.write_text(content)
    r = cli("inspect", path, "--table", SAMPLES / "customers.yaml")
    assert r.exit_code == 2 and message in r.stderr and "n.json" in r.stderr


def test_a_tenant_mismatch_gets_its_own_fix_and_the_header_names_the_definition(tmp_path):
    """Issue 19.9: inspect's header names the definition's path in the solution, and a push from
    another tenant gets the fix for tenants, not 'fix the Generic Inquiry'."""
    app = tmp_path / "app"
    assert cli("init", app, "--company", "MyTenant", "--table", SAMPLES / "customers.yaml").exit_code == 0
    body = json.loads((app / "acumatica/customers/sample-push.json").read_text())
    body["CompanyId"] = "Other"
    push = tmp_path / "push.json"
    push.write_text(json.dumps(body))
    r = cli("inspect", push, "--solution", app)
    assert "definition acumatica/customers/table.yaml)" in r.stdout
    assert "set company: Other in jigx-acumatica.yaml" in r.stdout and "fix the Generic Inquiry" not in r.stdout
