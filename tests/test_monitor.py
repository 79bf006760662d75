"""Issue 22.2: monitor. The failed-push inquiry in each package (monitor: true); failures read
over OData, kept to this solution's destinations, mapped to their table, classified by the
sender's real message forms; --heal; status's failed-pushes check."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from jigx_acumatica.acumatica.monitor import classify, when
from jigx_acumatica.config import Target
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.fakes.acumatica import FakeAcumatica
from tests.fakes.odata import FakeOData
from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli
from tests.test_backfill import PROPS, make_rows

PASSWORD = "s3cret-Pa55word-Acu!"
PAT = "jxpat_monitor-canary-0b7d"
ENV = {"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD, "JIGX_PAT": PAT}
BASE = "https://us-east-1.api.jigx.com/v2.0"
COLUMNS = {"FailureID": "Edm.Guid", "TransactionID": "Edm.Guid", "Destination": "Edm.String", "Address": "Edm.String",
           "SourceName": "Edm.String", "Error": "Edm.String", "Truncated": "Edm.Boolean", "FailedAt": "Edm.Int64",
           "_tab": "Edm.String", "_mod": "Edm.Int64"}
TICKS_2026_11_30 = 639316368000000000  # 2026-11-30 12:00 UTC as .NET ticks (the column stores ticks)


@pytest.mark.parametrize("error,truncated,kind", [
    ('WebHook returns not success code: 401; Message: {"message":"Unauthorized"}', False, "token"),
    ("WebHook returns not success code: 403; Message: Forbidden", False, "token"),
    ('WebHook returns not success code: 404; Message: {"message":"Not Found"}', False, "not-found"),
    ("WebHook returns not success code: 413; Message: Request Entity Too Large", False, "too-large"),
    ("The notification could not be resent because the message size exceeded the limit and was truncated.", True,
     "too-large"),
    ("WebHook returns not success code: 429; Message: Too Many Requests", False, "transient"),
    ("WebHook returns not success code: 502; Message: Bad Gateway", False, "transient"),
    ("Send to web hook fails. Error: No such host is known. (us-east-1.api.jigx.com:443)", False, "unreachable"),
    ("Send to web hook fails. Error: The SSL connection could not be established", False, "unreachable"),
    ("WebHook returns not success code: 400; Message: bad body", False, "other"),
])
def test_each_class_from_the_senders_own_message_forms(error, truncated, kind):
    assert classify(error, truncated) == kind


def test_failure_times_read_as_ticks_or_dates():
    assert when(TICKS_2026_11_30).isoformat() == "2026-11-30T12:00:00+00:00"
    assert when(str(TICKS_2026_11_30)) == when("2026-11-30T12:00:00Z") and when("soon") is None


@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    assert cli("init", app, "--region", "us", "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "MyTenant",
               "--table", SAMPLES / "customers.yaml", "--table", SAMPLES / "vendors.yaml").exit_code == 0
    config = app / "jigx-acumatica.yaml"
    config.write_text(config.read_text() + "monitor: true\nodataRole: JigxReader\ntenant: MyTenant\n")
    assert cli("generate", "--solution", app).exit_code == 0
    return app


def test_the_failed_push_inquiry_is_in_the_package_exposed_and_without_the_header(app):
    project = zipfile.ZipFile(io.BytesIO((app / "acumatica/jigx-cdc.zip").read_bytes())).read("project.xml").decode()
    assert 'Name="Jigx CDC failed pushes"' in project
    start = project.index('Name="Jigx CDC failed pushes"')
    inquiry = project[start:project.index("</GIDesign>", start)]
    assert 'ExposeViaOData="1"' in inquiry and "PushNotificationsFailedToSend" in inquiry
    assert "PushNotificationsHook" in inquiry and "headerValue" not in inquiry.lower().replace("header value", "")
    assert re.search(r'ScreenID="GI990099"', project)  # its rights for the reader role, as every OData inquiry
    assert cli("generate", "--solution", app, "--check").exit_code == 0


def failure(address: str, error: str, *, truncated: bool = False, n: int = 0, ticks: int = TICKS_2026_11_30) -> dict:
    return {"FailureID": f"00000000-0000-4000-8000-{n:012d}", "TransactionID": f"00000000-0000-4000-9000-{n:012d}",
            "Destination": "Jigx", "Address": address, "SourceName": "Jigx CDC customers", "Error": error,
            "Truncated": truncated, "FailedAt": ticks, "_tab": "FailedPush", "_mod": ticks}


@pytest.fixture
def instance(app):
    url = f"{BASE}/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc?table="
    rows = [failure(url + "customers", "WebHook returns not success code: 401; Message: expired", n=1),
            failure(url + "customers", "WebHook returns not success code: 401; Message: expired", n=2,
                    ticks=TICKS_2026_11_30 + 36_000_000_000),
            failure(url + "vendors", "", truncated=True, n=3),
            failure("https://other.example.com/hook?table=customers", "Send to web hook fails. Error: x", n=4),
            failure(f"{BASE}/tool/organizations/{ORG}/solutions/00000000-0000-4000-8000-0000000000ff/acumatica/"
                    "cdc?table=customers", "WebHook returns not success code: 500; Message: x", n=5)]
    fake = FakeAcumatica(password=PASSWORD)
    customers = FakeOData("Jigx CDC customers", PROPS, make_rows(4), tenant="MyTenant", username="admin",
                          password=PASSWORD)
    failed = FakeOData("Jigx CDC failed pushes", COLUMNS, rows, tenant="MyTenant", username="admin", password=PASSWORD)
    customers.others["failed"] = failed
    fake.extra["/t/MyTenant/api/odata/gi"] = lambda h, _body: customers.handle(h)
    yield fake, customers
    fake.close()
    customers.close()
    failed.close()


def test_monitor_finds_this_solutions_failures_by_table_and_class(app, instance):
    fake, _ = instance
    r = cli("monitor", "--solution", app, "--acumatica-url", fake.url, "--json", env=ENV)
    assert r.exit_code == 1, r.output
    found = {(f["table"], f["class"]): f for f in json.loads(r.stdout)["failures"]}
    assert set(found) == {("customers", "token"), ("vendors", "too-large")}  # other destinations left out
    assert found[("customers", "token")]["count"] == 2 and found[("vendors", "too-large")]["truncated"] == 1
    assert found[("customers", "token")]["first"].startswith("2026-11-30T12:00")
    assert found[("customers", "token")]["last"].startswith("2026-11-30T13:00")
    assert "PAT" in found[("customers", "token")]["fix"]
    r = cli("monitor", "--solution", app, "--acumatica-url", fake.url, env=ENV)
    assert "customers: 2 failed pushes (token: Jigx refused the token (401/403)" in r.stdout
    assert PASSWORD not in r.output


def test_heal_pushes_each_affected_table_again_from_its_earliest_failure(app, instance, tmp_path):
    fake, customers = instance
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    with Endpoint(cfg, tmp_path / "jigx.sqlite") as jigx:
        failed = customers.others["failed"]  # the destinations point at this endpoint
        failed.rows = [{**row, "Address": row["Address"].replace(BASE, jigx.base_url)} for row in failed.rows]
        r = cli("monitor", "--solution", app, "--acumatica-url", fake.url, "--heal", "--base-url", jigx.base_url,
                "--json", env=ENV)
        assert r.exit_code == 1, r.output
        healed = {h["table"]: h for h in json.loads(r.stdout)["healed"]}
        assert healed["customers"]["since"] == "2026-11-29T12:00:00Z"  # the earliest failure, less a day
        reads = [q for q in customers.page_reads() if "$filter" in q]
        assert reads and "_mod" in reads[0]["$filter"]
        assert len(jigx.store.rows("customers")) == healed["customers"]["sent"]
        assert "vendors" not in healed or healed["vendors"]["sent"] == 0  # vendors is not exposed over OData


def test_status_shows_failed_pushes_when_monitor_is_on(app, instance):
    fake, _ = instance
    r = cli("status", "customers", "--solution", app, "--acumatica-url", fake.url, "--json",
            env={**ENV, "JIGX_PAT": ""})
    checks = {c["name"]: c for c in json.loads(r.stdout)["tables"][0]["checks"]}
    assert checks["failed pushes"]["mark"] == "fail" and "token" in checks["failed pushes"]["detail"]
    assert "monitor --heal" in checks["failed pushes"]["fix"]
    _, customers = instance
    customers.others["failed"].rows = []  # two days later: Acumatica deleted them, none since
    r = cli("status", "customers", "--solution", app, "--acumatica-url", fake.url, "--json",
            env={**ENV, "JIGX_PAT": ""})
    assert {c["name"]: c for c in json.loads(r.stdout)["tables"][0]["checks"]}["failed pushes"]["mark"] == "ok"
    r = cli("status", "customers", "--solution", app, "--acumatica-url", fake.url, "--json", env={})
    unknown = {c["name"]: c for c in json.loads(r.stdout)["tables"][0]["checks"]}["failed pushes"]
    assert unknown["mark"] == "unknown" and "ACUMATICA_USERNAME" in unknown["detail"]


def test_monitor_without_the_inquiry_says_how_to_set_it_up(tmp_path):
    app = tmp_path / "plain"
    assert cli("init", app, "--table", SAMPLES / "customers.yaml").exit_code == 0
    r = cli("monitor", "--solution", app, env=ENV)
    assert r.exit_code == 2 and "monitor: true" in r.stderr
