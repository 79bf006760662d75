"""Issue 10, points 9 and 12-16: each message says what is wrong and the right fix; verify and
inspect never give a wrong answer; output a person reads stays short and true; doctor raises no
false errors on solutions written by other people."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug import Response

from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli

CUSTOMERS = SAMPLES / "customers.yaml"
HANDWRITTEN = Path(__file__).parent / "fixtures" / "handwritten"
PAT = "jxpat_Zq81-CaseAndTruncation-7f3e1b"
PATH = f"/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc"


# --- 9. the right fix ------------------------------------------------------------------------------

def test_quoted_boolean_gets_remove_the_quotes(tmp_path):
    d = tmp_path / "d.yaml"
    d.write_text(CUSTOMERS.read_text().replace("  modified: LastModifiedDateTime\n",
                                               '  modified: LastModifiedDateTime\n  deleted_flag: "false"\n'))
    r = cli("generate", d, "--out", tmp_path / "app")
    assert r.exit_code == 2
    assert "remove the quotes: deleted_flag: false" in r.stderr
    assert "deleted_flag: true" not in r.stderr


def test_broken_columns_do_not_cascade_into_key_errors(tmp_path):
    d = tmp_path / "d.yaml"
    d.write_text("entity: Customer\nsource: {dac: PX.Objects.AR.Customer}\nkey: [CustomerID, Name]\n"
                 "columns:\n  CustomerID: 12\n  Name: {field: Customer.AcctName, type: strng}\n")
    r = cli("generate", d, "--out", tmp_path / "app")
    assert r.exit_code == 2
    assert "key column" not in r.stderr, r.stderr
    assert "CustomerID" in r.stderr and "strng" in r.stderr


def test_duplicate_key_hint_is_about_duplicates(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    (app / "index.jigx").write_text((app / "index.jigx").read_text() + "tabs:\n  x: {jigId: home, icon: x}\n")
    r = cli("add", CUSTOMERS, "--solution", app)
    assert r.exit_code == 2
    assert "duplicate key" in r.stderr and "may appear once" in r.stderr
    assert "tabs" in r.stderr and "spaces" not in r.stderr and "original value" not in r.stderr


# --- 12. verify ------------------------------------------------------------------------------------

@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    assert cli("init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--table", CUSTOMERS).exit_code == 0
    return app


def verify(app, server, *args, env=None):
    return cli("verify", "--solution", app, "--base-url", server.url_for("").rstrip("/"), "--no-read-back",
               "--timeout", "1",
               "--backoff", "0", *args, env={"JIGX_PAT": PAT, **(env or {})})


def test_a_body_that_stops_half_way_is_no_success(app, httpserver):
    released = threading.Event()

    def stall(_request):
        def body():
            yield b"partial"
            released.wait(10)  # longer than --timeout; released when the test is done
        return Response(body(), status=200, headers={"Content-Length": "100"})

    httpserver.expect_request(PATH).respond_with_handler(stall)
    try:
        r = verify(app, httpserver, "--no-cleanup")
    finally:
        released.set()
    assert r.exit_code == 14, r.output
    assert "stopped half-way" in r.stdout and "of the 100 announced" in r.stdout
    assert "ok" not in r.stdout.split("\n")[0].split()[2:3]


def test_a_retry_after_too_long_is_explained(app, httpserver):
    httpserver.expect_request(PATH).respond_with_data("busy", status=503, headers={"Retry-After": "100000"})
    r = verify(app, httpserver)
    assert r.exit_code == 13
    assert "retry after 100000 s" in r.stdout and "longer than" in r.stdout


def test_an_empty_pat_file_is_an_error_not_a_prompt(app, httpserver, tmp_path):
    empty = tmp_path / "pat"
    empty.write_text("\n")
    r = verify(app, httpserver, "--pat-file", empty, env={"JIGX_PAT": ""})
    assert r.exit_code == 2 and "PAT file is empty" in r.stderr


def test_no_terminal_no_getpass_warning(app, tmp_path):
    p = subprocess.run([sys.executable, "-m", "jigx_acumatica", "verify", "--solution", str(app), "--region", "us"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       env={k: v for k, v in __import__("os").environ.items() if k != "JIGX_PAT"})
    assert p.returncode == 2
    assert "GetPassWarning" not in p.stderr and "no Personal Access Token" in p.stderr


def test_local_refuses_base_url(app):
    r = cli("verify", "--local", "--solution", app, "--base-url", "http://127.0.0.1:9")
    assert r.exit_code == 2 and "--local" in r.stderr and "--base-url" in r.stderr


@pytest.mark.parametrize("echo", [PAT.upper(), PAT[3:20], PAT[:12] + " ... " + PAT[-9:]])
def test_pat_is_masked_in_any_case_or_part(app, httpserver, echo):
    httpserver.expect_request(PATH).respond_with_json({"message": f"bad token {echo}"}, status=401)
    r = verify(app, httpserver, "--json")
    assert r.exit_code == 10
    shown = r.stdout.lower()
    for i in range(len(PAT) - 7):
        assert PAT[i:i + 8].lower() not in shown, PAT[i:i + 8]
    assert "****" in r.stdout


# --- 13. inspect -----------------------------------------------------------------------------------

def notification(rows: list[dict], **extra) -> dict:
    return {"Inserted": rows, "Deleted": [], "Query": "Jigx CDC customers", "CompanyId": "T",
            "Id": "0f8fad5b-d9cb-469f-a165-70867728950e", **extra}


def row(n: int, **changes) -> dict:
    base = {"CustomerID": f"C{n}", "CustomerName": "A", "CustomerClass": "X", "Status": "Active", "Email": "a@b",
            "Phone": "1", "City": "c", "Country": "US", "_tab": "Customer", "_del": False,
            "_mod": "2026-11-20T09:15:02.117"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_inspect_checks_every_row(tmp_path):
    f = tmp_path / "push.json"
    f.write_text(json.dumps(notification([row(1), row(2, _mod=None)], TimeStamp=639000000000000000)))
    r = cli("inspect", f, "--table", CUSTOMERS)
    assert r.exit_code == 1
    assert "Inserted row 2 lacks _mod" in r.stdout


@pytest.mark.parametrize("ts", [10 ** 30, -1])
def test_inspect_reports_an_impossible_timestamp(tmp_path, ts):
    f = tmp_path / "push.json"
    f.write_text(json.dumps(notification([row(1)], TimeStamp=ts)))
    r = cli("inspect", f, "--table", CUSTOMERS)
    assert r.exit_code == 1
    assert "= None" not in r.stdout and "not a .NET time" in r.stdout


# --- 14, 15. output a person reads ----------------------------------------------------------------

def test_a_no_op_prints_one_line(tmp_path):
    app = tmp_path / "app"
    defs = sorted(SAMPLES.glob("*.yaml"))
    assert cli("generate", *defs, "--out", app, "--region", "us").exit_code == 0
    for args in ([], ["--check"], ["--diff"]):
        r = cli("generate", "--solution", app, *args)
        assert r.exit_code == 0
        assert r.stdout.strip().count("\n") == 0, r.stdout
    r = cli("generate", "--solution", app, "-v")
    assert r.stdout.count("push URL:") == len(defs)


def test_only_changed_tables_are_summarised(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS, "--table", SAMPLES / "vendors.yaml").exit_code == 0
    stored = app / "acumatica/vendors/table.yaml"
    stored.write_text(stored.read_text() + "inquiry: Vendors for Jigx\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0
    assert "table vendors:" in r.stdout and "table customers:" not in r.stdout


def test_counts_are_plural_right_and_match_the_listed_changes(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS).exit_code == 0
    r = cli("remove", "customers", "--solution", app)
    assert r.exit_code == 0
    listed = [ln for ln in r.stdout.splitlines() if ln.startswith("  ")]
    paths = {ln.split()[1] for ln in listed}
    assert f"{len(paths)} files changed" in r.stdout
    r = cli("doctor", "--solution", app)  # the removed table stays declared (Jigx keeps it): one note
    assert "0 errors, 0 warnings, 1 note" in r.stdout and "1 notes" not in r.stdout
    (app / "index.jigx").write_text((app / "index.jigx").read_text() + "widgets: []\n")
    r = cli("doctor", "--solution", app)
    assert "1 warning," in r.stdout and "1 warnings" not in r.stdout


def test_a_conflict_run_says_would(app):
    idx = app / "index.jigx"
    idx.write_text(idx.read_text().replace("entities:", "entities: # mine\n", 1) if False else idx.read_text())
    out = app / "acumatica/customers/generic-inquiry.md"
    out.write_text(out.read_text() + "my notes\n")
    stored = app / "acumatica/customers/table.yaml"
    stored.write_text(stored.read_text() + "inquiry: Customers for Jigx\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 1
    updates = [ln for ln in r.stdout.splitlines() if "update" in ln]
    assert updates and all("would update" in ln for ln in updates)
    assert "nothing was written" in r.output


def test_diff_into_a_closed_pipe_is_quiet(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    p = subprocess.run(f"{sys.executable} -m jigx_acumatica generate {CUSTOMERS} --solution {app} --diff | head -1",
                       shell=True, capture_output=True, text=True)
    assert "replaced" not in p.stderr and "interrupted" not in p.stderr and "Traceback" not in p.stderr


def test_check_hint_names_the_solution(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS).exit_code == 0
    (app / "datasources/customers.jigx").unlink()
    r = cli("generate", "--solution", app, "--check")
    assert r.exit_code == 1 and f"--solution {app}" in r.stderr


def test_help_says_created_when_missing_only_where_true():
    for command, creates in (("generate", True), ("add", False), ("remove", False), ("verify", False),
                             ("serve", False), ("doctor", False), ("inspect", False)):
        r = cli(command, "--help")
        assert ("created when missing" in r.stdout) == creates, command


def test_every_command_has_quiet():
    for command in ("init", "add", "generate", "remove", "verify", "serve", "doctor", "inspect"):
        assert "--quiet" in cli(command, "--help").stdout, command


def test_doctor_reports_a_duplicate_event_once(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    (app / "index.jigx").write_text((app / "index.jigx").read_text() + "onTableChanged: []\nonTableChanged: []\n")
    r = cli("doctor", "--solution", app, "--json")
    found = [f for f in json.loads(r.stdout)["findings"] if "duplicate" in f["message"]]
    assert len(found) == 1 and "original value" not in found[0]["message"]


# --- 16. doctor on solutions written by others -----------------------------------------------------

@pytest.mark.parametrize("name", sorted(p.name for p in HANDWRITTEN.iterdir()))
def test_doctor_raises_no_false_errors_on_handwritten_solutions(tmp_path, name):
    app = tmp_path / name
    shutil.copytree(HANDWRITTEN / name, app)
    r = cli("doctor", "--solution", app, "--json")
    data = json.loads(r.stdout)
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert errors == [], errors
    warnings = [f for f in data["findings"] if f["severity"] == "warning"]
    assert all("documented rule" in f["message"] for f in warnings), warnings
    assert r.exit_code == (4 if warnings else 0)


def test_camel_case_table_is_an_error_only_when_the_tool_made_it(tmp_path):
    app = tmp_path / "app"
    shutil.copytree(HANDWRITTEN / "elderi", app)
    r = cli("doctor", "--solution", app, "--json")
    camel = [f for f in json.loads(r.stdout)["findings"] if "table name 'matchPlayerRespone'" in f["message"]]
    assert camel and {f["severity"] for f in camel} == {"warning"}
    assert any("Dynamic Data table names" in f["message"] for f in camel)


def test_readme_and_help_name_the_same_options():
    """Every option --help shows is documented in the command reference, and the reference names
    no option the tool lacks (bench/run's own --quick and --backfill aside)."""
    import re

    import click

    from jigx_acumatica.cli.app import main as group
    from tests.helpers import ROOT

    readme = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    ctx = click.Context(group)
    shown = {o for name in group.list_commands(ctx) for p in group.get_command(ctx, name).params
             if isinstance(p, click.Option) and not p.hidden for o in [*p.opts, *p.secondary_opts]
             if o.startswith("--")}
    assert sorted(o for o in shown if o not in readme) == []
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", readme))
    assert sorted(named - shown - {"--help", "--version", "--quick", "--backfill"}) == []


def test_warnings_are_shown_when_a_definition_is_new_or_changed_and_in_json_like_findings(tmp_path):
    """Issue 19.8: one warning is a line and its fix the next; --json gives {path, line, message,
    fix}; a no-op run says nothing of them; doctor reports them."""
    d = tmp_path / "d.yaml"
    d.write_text("entity: Thing\nsource: {dac: Acme.Thing}\nkey: [ID]\ncolumns:\n  ID: Thing.Code\n")
    app = tmp_path / "app"
    r = cli("generate", d, "--out", app, "--json")
    (warning,) = json.loads(r.stdout)["warnings"]
    assert set(warning) == {"path", "line", "message", "fix"} and warning["line"] == 2
    assert "keeps deleted rows" in warning["message"] and warning["fix"].startswith("settle it")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0 and "warning" not in r.stderr  # nothing changed: nothing repeated
    stored = app / "acumatica/thing/table.yaml"
    stored.write_text(stored.read_text() + "inquiry: Things\n")
    r = cli("generate", "--solution", app)
    assert "acumatica/thing/table.yaml:2: it is not known" in r.stderr and "\n  fix: settle it" in r.stderr
    r = cli("doctor", "--solution", app, "--json")
    assert any(f["path"] == "acumatica/thing/table.yaml" and f["line"] == 2 and "keeps deleted rows" in f["message"]
               for f in json.loads(r.stdout)["findings"])


def test_fixes_that_can_be_done(tmp_path):
    """Issue 19.9: remove of an unknown table lists the managed ones; publish of a solution with
    no table says to onboard one; a dry run's progress says what it would do."""
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLES / "customers.yaml").exit_code == 0
    r = cli("remove", "nosuch", "--solution", app)
    assert r.exit_code == 2 and "the managed tables: customers" in r.stderr
    empty = tmp_path / "empty"
    assert cli("init", empty).exit_code == 0
    r = cli("publish", "--solution", empty, "--acumatica-url", "http://127.0.0.1:9", "--tenant", "T",
            env={"ACUMATICA_USERNAME": "a", "ACUMATICA_PASSWORD": "b"})
    assert r.exit_code == 2 and "no table yet" in r.stderr and "jigx-acumatica add" in r.stderr
    r = cli("backfill", "customers", "--solution", app, "--local", "--from", SAMPLES / "customers-rows.csv",
            "--dry-run")
    assert r.exit_code == 0 and "would be sent" in r.stderr and "would send 25" in r.stdout
