"""Every value sent is the value in the source: rows files read as the consultant means them.
Each case runs the CLI on a file as consultants have them and reads what the local endpoint
stored (or checks that nothing was stored)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jigx_acumatica.config import Target
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from jigx_acumatica.push_contract import local_datetime
from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli

PAT = "jxpat_reading-rows-canary-51c0"
ENV = {"JIGX_PAT": PAT}
ALL_TYPES = """\
entity: Order
table: orders
source: {dac: PX.Objects.SO.SOOrder, alias: O, deleted_flag: false}
key: [OrderNbr]
columns:
  OrderNbr: O.OrderNbr
  Qty: {field: O.OrderQty, type: int}
  Amount: {field: O.CuryOrderTotal, type: decimal}
  Paid: {field: O.Approved, type: bool}
  DueDate: {field: O.RequestDate, type: date}
  Shipped: {field: O.ShipDate, type: datetime}
  Ref: {field: O.NoteID, type: guid}
"""
HEADER = ["OrderNbr", "Qty", "Amount", "Paid", "DueDate", "Shipped", "Ref", "_mod"]


@pytest.fixture
def app(tmp_path) -> Path:
    definition = tmp_path / "orders.yaml"
    definition.write_text(ALL_TYPES)
    app = tmp_path / "app"
    r = cli("init", app, "--region", "us", "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "MyTenant",
            "--table", SAMPLES / "customers.yaml", "--table", definition)
    assert r.exit_code == 0, r.output
    return app


@pytest.fixture
def jigx(app, tmp_path):
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    with Endpoint(cfg, tmp_path / "jigx.sqlite") as ep:
        yield ep


def backfill(app: Path, jigx: Endpoint, path: Path, *options: str, table: str = "orders"):
    return cli("backfill", table, "--solution", app, "--base-url", jigx.base_url, "--from", path, *options, env=ENV)


def stored(jigx: Endpoint, table: str = "orders") -> dict[str, dict]:
    key = "OrderNbr" if table == "orders" else "CustomerID"
    return {row[key]: row for row in jigx.store.rows(table)}


def write_csv(path: Path, rows: list[list[str]], sep: str = ",", header: list[str] = HEADER) -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows([header, *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


ROW = ["SO001", "3", "10.5", "true", "2026-02-02", "2026-02-03T10:00:00", "3f2b8c1e-5d4a-4b7e-9c1d-2a6f8e0b4c3d",
       "2026-03-01T09:00:00"]


def with_(**values: str) -> list[str]:
    row = list(ROW)
    for name, value in values.items():
        row[HEADER.index(name)] = value
    return row


# --- columns -----------------------------------------------------------------------------------

def test_a_file_lacking_columns_is_refused_naming_missing_and_unknown(app, jigx, tmp_path):
    f = write_csv(tmp_path / "part.csv", [["SO001", "2026-03-01T09:00:00", "x"]], header=["OrderNbr", "_mod", "Amout"])
    r = backfill(app, jigx, f)
    assert r.exit_code == 2 and stored(jigx) == {}
    assert "lacks the column(s) Qty, Amount, Paid, DueDate, Shipped, Ref" in r.stderr
    assert "and has Amout, which the definition does not" in r.stderr and "Amout -> Amount" in r.stderr
    assert "--allow-missing-columns" in r.stderr
    r = backfill(app, jigx, f, "--allow-missing-columns", "--json")
    assert r.exit_code == 0, r.output
    assert stored(jigx)["SO001"]["Amount"] is None  # only when asked, and said
    said = json.loads(r.stdout)["rows_file"]
    assert said["missing_columns_sent_as_null"] == ["Qty", "Amount", "Paid", "DueDate", "Shipped", "Ref"]
    assert said["ignored_columns"] == ["Amout"]


def test_the_key_and_mod_are_needed_even_with_allow_missing_columns(app, jigx, tmp_path):
    f = write_csv(tmp_path / "nokey.csv", [["3", "2026-03-01T09:00:00"]], header=["Qty", "_mod"])
    r = backfill(app, jigx, f, "--allow-missing-columns")
    assert r.exit_code == 2 and "the key OrderNbr and _mod are always needed" in r.stderr


def test_an_unknown_column_is_named_in_the_summary(app, jigx, tmp_path):
    f = write_csv(tmp_path / "extra.csv", [[*ROW, "x"]], header=[*HEADER, "Notes"])
    r = backfill(app, jigx, f)
    assert r.exit_code == 0 and "not in the definition and are not sent: Notes" in r.stdout
    assert "Notes" not in stored(jigx)["SO001"]


def test_a_duplicate_header_is_refused(app, jigx, tmp_path):
    f = write_csv(tmp_path / "dup.csv", [[*ROW, "SO002"]], header=[*HEADER, "OrderNbr"])
    r = backfill(app, jigx, f)
    assert r.exit_code == 2 and "names the column 'OrderNbr' twice (columns 1 and 9)" in r.stderr
    assert stored(jigx) == {}


def test_a_json_row_lacking_a_key_is_refused_by_row(app, jigx, tmp_path):
    first = dict(zip(HEADER, ROW, strict=True))
    second = {k: v for k, v in first.items() if k != "Amount"} | {"OrderNbr": "SO002"}
    f = tmp_path / "rows.json"
    f.write_text(json.dumps([first, second]))
    r = backfill(app, jigx, f)
    assert r.exit_code == 2 and "row 2, Amount is not in the row" in r.stderr and stored(jigx) == {}


# --- numbers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("sep,options,value,sent", [
    (",", (), "1,234.50", 1234.5),
    (",", (), "1234", 1234),
    (";", ("--decimal-comma",), "1.234,50", 1234.5),
    (";", ("--decimal-comma",), "10,25", 10.25),
    (";", ("--decimal-comma",), "1,5", 1.5),
    (";", ("--decimal-comma",), "1 234,5", 1234.5),
    (";", ("--decimal-point",), "1,234", 1234),
    (";", (), "12.5", 12.5),  # no convention reads it otherwise
    (",", (), "1999.000000", 1999),
])
def test_numbers_read_by_the_decimal_convention(app, jigx, tmp_path, sep, options, value, sent):
    f = write_csv(tmp_path / "n.csv", [with_(Amount=value)], sep=sep)
    r = backfill(app, jigx, f, *options)
    assert r.exit_code == 0, r.output
    got = stored(jigx)["SO001"]["Amount"]
    assert got == sent and type(got) is type(sent)


@pytest.mark.parametrize("sep,value,said", [
    (",", "10,25", "reads as 10.25 only where a comma is the decimal separator"),
    (";", "10,25", "reads as 10.25 only where a comma is the decimal separator"),
    (";", "1.234,50", "reads as 1234.50 only where a comma is the decimal separator"),
    (";", "1,234", "reads as 1234 with a decimal point and as 1.234 with a decimal comma"),
    (";", "1.234", "reads as 1.234 with a decimal point and as 1234 with a decimal comma"),
    (",", "1,5", "reads as 1.5 only where a comma is the decimal separator"),
])
def test_a_number_whose_reading_depends_on_the_locale_is_refused_with_both_fixes(app, jigx, tmp_path, sep, value,
                                                                                  said):
    f = write_csv(tmp_path / "n.csv", [with_(Amount=value)], sep=sep)
    r = backfill(app, jigx, f)
    assert r.exit_code == 2 and said in r.stderr, r.output
    assert "--decimal-comma" in r.stderr and stored(jigx) == {}
    assert "row 2, Amount is" in r.stderr and "n.csv" in r.stderr


@pytest.mark.parametrize("column,value,said", [
    ("Amount", "NaN", "not a finite number"),
    ("Amount", "inf", "not a finite number"),
    ("Amount", "-Infinity", "not a finite number"),
    ("Amount", "sNaN", "not a finite number"),
    ("Amount", "1e999", "beyond the numbers the app holds"),
    ("Amount", "12345678901234567.89", "more digits than the app keeps"),
    ("Qty", "1e999", "beyond the whole numbers the app holds exactly"),
    ("Qty", "9007199254740992", "beyond the whole numbers the app holds exactly"),
    ("Qty", "NaN", "not a finite number"),
    ("Qty", "2.5", "not a whole number"),
])
def test_nan_infinities_and_numbers_the_app_cannot_hold_are_bad_values(app, jigx, tmp_path, column, value, said):
    f = write_csv(tmp_path / "n.csv", [with_(**{column: value}), with_(OrderNbr="SO002")])
    r = backfill(app, jigx, f)
    assert r.exit_code == 2 and said in r.stderr, r.output
    r = backfill(app, jigx, f, "--skip-bad-rows")
    assert r.exit_code == 0, r.output  # never exit 70, even when skipping
    assert list(stored(jigx)) == ["SO002"]


def test_json_nan_and_huge_numbers_are_refused_and_safe_integers_kept(app, jigx, tmp_path):
    row = dict(zip(HEADER, ROW, strict=True))
    f = tmp_path / "rows.json"
    f.write_text(json.dumps([row | {"Amount": float("nan")}, row | {"OrderNbr": "SO2", "Qty": 2**53},
                             row | {"OrderNbr": "SO3", "Qty": 2**53 - 1}]))
    r = backfill(app, jigx, f, "--skip-bad-rows")
    assert r.exit_code == 0, r.output
    assert list(stored(jigx)) == ["SO3"] and stored(jigx)["SO3"]["Qty"] == 2**53 - 1
    assert "2 refused and skipped (2 a value that does not fit its column)" in r.stdout


# --- dates -------------------------------------------------------------------------------------

def test_date_order_applies_to_every_date_column_and_mod(app, jigx, tmp_path):
    f = write_csv(tmp_path / "d.csv", [with_(DueDate="2/3/2026", Shipped="20/3/2026 14:15", _mod="2/3/2026 9:00")])
    r = backfill(app, jigx, f)
    assert r.exit_code == 2 and "Shipped is '20/3/2026 14:15', not a date the tool reads (with --date-order dmy it " \
                                "reads 2026-03-20T14:15:00)" in r.stderr, r.output
    r = backfill(app, jigx, f, "--date-order", "dmy")
    assert r.exit_code == 0, r.output
    row = stored(jigx)["SO001"]
    assert (row["DueDate"], row["Shipped"], row["_mod"]) == ("2026-03-02T00:00:00", "2026-03-20T14:15:00",
                                                             "2026-03-02T09:00:00")


def test_a_date_column_refuses_a_time_of_day(app, jigx, tmp_path):
    f = write_csv(tmp_path / "d.csv", [with_(DueDate="2026-02-02T10:30:00")])
    r = backfill(app, jigx, f)
    assert r.exit_code == 2 and "DueDate is '2026-02-02T10:30:00', a date with a time" in r.stderr


# --- workbooks ---------------------------------------------------------------------------------

def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_a_workbook_text_key_stored_as_a_number_is_sent_as_text_with_a_warning(app, jigx, tmp_path):
    f = workbook(tmp_path / "c.xlsx", {"Customers": [
        ["CustomerID", "CustomerName", "Status", "CustomerClass", "Email", "Phone", "CreditLimit", "_mod"],
        [11, "Eleven", "Active", "RETAIL", "a@b.example", 5550100, 2500, dt.datetime(2026, 1, 2, 10, 0)]]})
    r = backfill(app, jigx, f, table="customers")
    assert r.exit_code == 0, r.output
    row = stored(jigx, "customers")["11"]
    assert row["CustomerID"] == "11" and row["Phone"] == "5550100" and row["CreditLimit"] == 2500
    assert "Excel drops leading zeros" in r.stdout and "cannot be recovered" in r.stdout


def test_a_workbooks_sheet_is_chosen_and_named_in_every_error(app, jigx, tmp_path):
    f = workbook(tmp_path / "o.xlsx", {"Notes": [["nothing"]], "Orders": [HEADER, with_(Qty="x")]})
    r = backfill(app, jigx, f, "--sheet", "Orders")
    assert r.exit_code == 2 and "sheet 'Orders', row 2, Qty is 'x', not a number" in r.stderr, r.output
    r = backfill(app, jigx, f)
    assert r.exit_code == 2 and "sheet 'Notes' of the rows file lacks" in r.stderr
    r = backfill(app, jigx, f, "--sheet", "Nope")
    assert r.exit_code == 2 and "no sheet 'Nope' (its sheets: 'Notes', 'Orders')" in r.stderr


def _xlsx_with_formulas(path: Path, cached: str | None) -> Path:
    """A one-sheet workbook whose Amount cell is the formula =1+1, with or without the value Excel
    saves beside it (openpyxl writes formulas without one, as programs do)."""
    value = f"<v>{cached}</v>" if cached is not None else ""
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADER))
    data = "".join(f'<c r="{chr(65 + i)}2" t="inlineStr"><is><t>{v}</t></is></c>' if h != "Amount" else
                   f'<c r="{chr(65 + i)}2"><f>1+1</f>{value}</c>' for i, (h, v) in enumerate(zip(HEADER, ROW,
                                                                                                  strict=True)))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData><row r="1">{cells}</row><row r="2">{data}</row></sheetData>'
             '</worksheet>')
    ns = "http://schemas.openxmlformats.org"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/'
                   'xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/'
                   f'2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Grid" '
                   'sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/'
                   f'package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/'
                   'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def test_a_formula_cell_is_read_by_its_saved_value_and_refused_without_one(app, jigx, tmp_path):
    r = backfill(app, jigx, _xlsx_with_formulas(tmp_path / "saved.xlsx", "2"))
    assert r.exit_code == 0, r.output
    assert stored(jigx)["SO001"]["Amount"] == 2
    r = backfill(app, jigx, _xlsx_with_formulas(tmp_path / "unsaved.xlsx", None))
    assert r.exit_code == 2 and "sheet 'Grid', row 2, Amount is the formula =1+1 with no saved value" in r.stderr


# --- skipped rows ------------------------------------------------------------------------------

def test_a_skipped_row_claims_no_key_and_the_counts_are_true(app, jigx, tmp_path):
    f = write_csv(tmp_path / "s.csv", [with_(Qty="abc"), with_(Qty="7"), with_(OrderNbr="SO002")])
    r = backfill(app, jigx, f, "--skip-bad-rows", "--json")
    assert r.exit_code == 0, r.output
    assert stored(jigx)["SO001"]["Qty"] == 7  # row 3 holds SO001 too: row 2 was refused, so row 3 is sent
    said = json.loads(r.stdout)
    assert said["tables"][0]["read"] == 3 and said["tables"][0]["sent"] == 2
    assert said["tables"][0]["refused"] == {"a value that does not fit its column": 1}
    r = backfill(app, jigx, f, "--skip-bad-rows", "--restart")
    assert "3 rows read, sent 2 in 1 page, 1 refused and skipped (1 a value that does not fit its column)" in r.stdout


# --- reconcile reads files as backfill does ------------------------------------------------------

def test_reconcile_has_the_reader_options_and_leaves_refused_keys_alone(app, jigx, tmp_path):
    f = write_csv(tmp_path / "r.csv", [with_(DueDate="2/3/2026"), with_(OrderNbr="SO002", Qty="bad")])
    assert backfill(app, jigx, f, "--date-order", "dmy", "--skip-bad-rows").exit_code == 0
    base = ["reconcile", "orders", "--solution", app, "--base-url", jigx.base_url, "--from", f]
    r = cli(*base, env=ENV)
    assert r.exit_code == 2 and "Qty is 'bad', not a number" in r.stderr and "--skip-bad-rows" in r.stderr
    r = cli(*base, "--date-order", "dmy", "--skip-bad-rows", "--repair", env=ENV)
    assert r.exit_code == 0 and "they agree" in r.stdout, r.output
    assert stored(jigx)["SO001"]["DueDate"] == "2026-03-02T00:00:00"  # never re-pushed month first
    jigx.store.apply("orders", {"Inserted": [dict(zip(HEADER, with_(OrderNbr="SO002"), strict=True))],
                                "Deleted": [], "Query": "x", "CompanyId": "MyTenant", "Id": "a" * 32})
    r = cli(*base, "--date-order", "dmy", "--skip-bad-rows", "--repair", "--json", env=ENV)
    found = json.loads(r.stdout)["tables"][0]
    assert found["orphaned"] == 0 and found["refused_rows"] == 1 and "SO002" in stored(jigx)


def test_a_repair_deleting_much_of_a_table_is_held_back_until_allowed(app, jigx, tmp_path):
    rows = [with_(OrderNbr=f"SO{n:03d}") for n in range(30)]
    full = write_csv(tmp_path / "full.csv", rows)
    assert backfill(app, jigx, full).exit_code == 0
    partial = write_csv(tmp_path / "partial.csv", rows[:10])
    base = ["reconcile", "orders", "--solution", app, "--base-url", jigx.base_url, "--from", partial, "--repair"]
    r = cli(*base, env=ENV)
    assert r.exit_code == 5 and "it would delete 20 of the table's 30 Jigx rows" in r.stdout, r.output
    assert "partial or filtered export" in r.stdout and len(stored(jigx)) == 30
    r = cli(*base, "--max-deletes", "19", "--json", env=ENV)
    assert r.exit_code == 5 and json.loads(r.stdout)["tables"][0]["would_delete"] == 20 and len(stored(jigx)) == 30
    r = cli(*base, "--max-deletes", "20", env=ENV)
    assert r.exit_code == 1 and "20 deleted" in r.stdout and len(stored(jigx)) == 10


# --- row size ----------------------------------------------------------------------------------

def test_a_row_over_jigx_size_is_refused_by_key_and_serve_refuses_it(app, jigx, tmp_path):
    with (SAMPLES / "customers-rows.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:2]
    rows[0]["CustomerName"] = "x" * 360_000  # more than the csv module reads in one field: JSON holds it
    f = tmp_path / "big.json"
    f.write_text(json.dumps(rows))
    r = backfill(app, jigx, f, table="customers")
    assert r.exit_code == 2 and "row 1: (CustomerID='C000001') the row is 360," in r.stderr, r.output
    assert "350,000 bytes Jigx keeps per row" in r.stderr and stored(jigx, "customers") == {}
    import requests

    body = {"Inserted": [{"CustomerID": "C9", "CustomerName": "x" * 360_000}], "Deleted": [], "Query": "q",
            "CompanyId": "MyTenant", "Id": "b" * 32}
    url = f"{jigx.base_url}/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc?table=customers"
    answer = requests.post(url, json=body, headers={"Authorization": f"Bearer {PAT}"}, timeout=10)
    assert answer.status_code == 413 and "350,000 bytes Jigx keeps per row" in answer.text
    assert stored(jigx, "customers") == {}


# --- one value, every format ---------------------------------------------------------------------

_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12
                 ).filter(lambda s: s.strip() == s and s.strip() and not s.startswith("="))
_rows = st.lists(st.fixed_dictionaries({
    "Qty": st.integers(-(2**53 - 1), 2**53 - 1),
    "Amount": st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False),
    "Paid": st.booleans(),
    "DueDate": st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)),
    "Shipped": st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2999, 1, 1)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
    "Ref": st.uuids().map(str),
    "Name": _texts,
}), min_size=1, max_size=4)


def _grouped(amount, style: str) -> str:
    text = f"{amount:,.2f}"  # 1,234.50
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if style == "comma" else text


def _expected(row: dict) -> dict:
    amount = float(row["Amount"])
    return {"Qty": row["Qty"], "Amount": int(amount) if amount.is_integer() else amount, "Paid": row["Paid"],
            "DueDate": row["DueDate"].isoformat() + "T00:00:00",
            "Shipped": local_datetime(row["Shipped"]),
            "Ref": row["Ref"], "OrderNbr": row["Name"]}


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=_rows, form=st.sampled_from(["csv-point", "csv-semicolon-comma", "csv-comma-grouped", "json", "xlsx"]))
def test_every_type_reads_back_exactly_as_written_from_every_format(app, jigx, tmp_path, rows, form):
    for n, row in enumerate(rows):  # unique keys (a repeated key is its own refusal)
        row["Name"] = f"{row['Name']}-{n}"
    mod = "2026-03-01T09:00:00"
    f = tmp_path / f"rows-{form}.{'xlsx' if form == 'xlsx' else 'json' if form == 'json' else 'csv'}"
    options: tuple[str, ...] = ()
    if form == "json":
        f.write_text(json.dumps([{"OrderNbr": r["Name"], "Qty": r["Qty"], "Amount": float(r["Amount"]),
                                  "Paid": r["Paid"], "DueDate": r["DueDate"].isoformat(),
                                  "Shipped": r["Shipped"].isoformat(), "Ref": r["Ref"], "_mod": mod} for r in rows]))
    elif form == "xlsx":
        workbook(f, {"Grid": [HEADER, *([r["Name"], r["Qty"], float(r["Amount"]), r["Paid"],
                                         dt.datetime.combine(r["DueDate"], dt.time()), r["Shipped"], r["Ref"],
                                         dt.datetime.fromisoformat(mod)] for r in rows)]})
    else:
        style, sep = {"csv-point": ("point", ","), "csv-semicolon-comma": ("comma", ";"),
                      "csv-comma-grouped": ("point", ",")}[form]
        amount = (lambda a: _grouped(a, style)) if form != "csv-point" else (lambda a: f"{a:.2f}")
        options = ("--decimal-comma",) if style == "comma" else ("--decimal-point",)
        write_csv(f, [[r["Name"], str(r["Qty"]), amount(r["Amount"]), "TRUE" if r["Paid"] else "FALSE",
                       r["DueDate"].strftime("%m/%d/%Y").lstrip("0"), r["Shipped"].isoformat(), r["Ref"], mod]
                      for r in rows], sep=sep)
    r = backfill(app, jigx, f, "--restart", *options)
    assert r.exit_code == 0, r.output
    got = stored(jigx)
    for row in rows:
        want = _expected(row)
        have = {k: got[row["Name"]][k] for k in want}
        assert have == want, (form, row)
        assert type(have["Amount"]) is type(want["Amount"]) and type(have["Qty"]) is int
    jigx.store.delete("orders", [r.rid for r in jigx.store.page("orders", 500, None)[0]])
