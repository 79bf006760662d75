"""Issue 22.1: status, one line per table and tenant, each check driven to ✓, ✗ and ? against
fakes that follow the documented contracts: getPublished as recorded, GI OData, the Data API
(serve), the local records."""

from __future__ import annotations

import json

import pytest

from jigx_acumatica.config import Target
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.fakes.acumatica import FakeAcumatica
from tests.fakes.odata import FakeOData
from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli
from tests.test_backfill import PROPS, make_rows

PASSWORD = "s3cret-Pa55word-Acu!"
PAT = "jxpat_status-canary-6c2e"


@pytest.fixture
def chain(tmp_path):
    """A solution (the customers sample, exposed over OData), an instance that answers the CustomizationApi
    and the inquiry's OData, and serve as Jigx."""
    app = tmp_path / "app"
    assert cli("init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "MyTenant",
               "--table", SAMPLES / "customers.yaml").exit_code == 0
    instance = FakeAcumatica(password=PASSWORD)
    odata = FakeOData("Jigx CDC customers", PROPS, make_rows(5), tenant="MyTenant", username="admin",
                      password=PASSWORD)
    instance.extra["/t/MyTenant/api/odata/gi"] = lambda h, _body: odata.handle(h)
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    jigx = Endpoint(cfg, tmp_path / "jigx.sqlite").start()
    env = {"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD, "JIGX_PAT": PAT}
    yield app, instance, odata, jigx, env
    jigx.stop()
    instance.close()
    odata.close()


def status(app, instance, jigx, env, *args):
    r = cli("status", "--solution", app, "--acumatica-url", instance.url, "--tenant", "MyTenant", "--base-url",
            jigx.base_url, "--json", *args, env=env)
    data = json.loads(r.stdout)
    assert "tables" in data, r.output
    return r.exit_code, {c["name"]: c for c in data["tables"][0]["checks"]}, data["tables"][0]


def publish(app, instance, env):
    assert cli("publish", "--solution", app, "--acumatica-url", instance.url, "--tenant", "MyTenant",
               "--poll-interval", "0", "--no-schema-check", env=env).exit_code == 0


def test_every_check_green_is_exit_0(chain):
    app, instance, odata, jigx, env = chain
    publish(app, instance, env)
    assert cli("backfill", "customers", "--solution", app, "--acumatica-url", instance.url, "--tenant", "MyTenant",
               "--base-url", jigx.base_url, env=env).exit_code == 0
    instance.seen.clear()
    code, checks, line = status(app, instance, jigx, env)
    assert {n: c["mark"] for n, c in checks.items()} == {
        "files": "ok", "published": "ok", "odata": "ok", "failed pushes": "n/a", "jigx": "ok", "fresh": "ok"}
    assert code == 0 and line["last_backfill"]["sent"] == 5
    logins = [s for s in instance.seen if s.path.endswith("login")]
    assert len(logins) == 1 and instance.calls().count("logout") == 1  # one sign-in per tenant, signed out
    r = cli("status", "--solution", app, "--acumatica-url", instance.url, "--tenant", "MyTenant", "--base-url",
            jigx.base_url, env=env)
    assert "customers: files ✓  published ✓  odata ✓" in r.stdout and PASSWORD not in r.output and PAT not in r.output


def test_each_check_red_has_its_fix(chain):
    app, instance, odata, jigx, env = chain
    odata.rights = False  # the user sees the inquiry but may not read its rows
    stored = app / "acumatica/customers/table.yaml"
    stored.write_text(stored.read_text().replace("CustomerName:", "Name:"))  # not regenerated
    code, checks, _ = status(app, instance, jigx, env)
    assert code == 1
    assert checks["files"]["mark"] == "fail" and checks["files"]["fix"] == "jigx-acumatica generate"
    assert checks["published"]["mark"] == "fail" and "publish --tenant MyTenant" in checks["published"]["fix"]
    assert checks["odata"]["mark"] == "fail" and "403" in checks["odata"]["detail"]
    # Jigx empty while Acumatica has rows
    odata.rights = True
    code, checks, _ = status(app, instance, jigx, env)
    assert checks["fresh"]["mark"] == "fail" and "empty" in checks["fresh"]["detail"]
    assert "backfill" in checks["fresh"]["fix"]


def test_a_stale_jigx_is_red_and_an_unknown_organisation_is_red(chain, tmp_path):
    app, instance, odata, jigx, env = chain
    publish(app, instance, env)
    assert cli("backfill", "customers", "--solution", app, "--acumatica-url", instance.url, "--tenant", "MyTenant",
               "--base-url", jigx.base_url, env=env).exit_code == 0
    odata.rows.append({**make_rows(6)[5], "_mod": "2026-12-31T10:00:00.000"})  # a change that never pushed
    code, checks, _ = status(app, instance, jigx, env)
    assert checks["fresh"]["mark"] == "fail" and "reconcile --repair" in checks["fresh"]["fix"] and code == 1
    code, checks, _ = status(app, instance, jigx, env, "--org", "0f8fad5b-d9cb-469f-a165-000000000000")
    assert checks["jigx"]["mark"] == "fail" and "HTTP 404" in checks["jigx"]["detail"]


def test_what_cannot_be_read_is_a_question_mark_with_why(chain):
    app, instance, odata, jigx, env = chain
    code, checks, _ = status(app, instance, jigx, {"JIGX_PAT": ""})
    assert code == 4
    assert checks["published"]["mark"] == "unknown" and "ACUMATICA_USERNAME" in checks["published"]["detail"]
    assert checks["odata"]["mark"] == "unknown" and "ACUMATICA_USERNAME" in checks["odata"]["detail"]
    assert checks["jigx"]["mark"] == "unknown" and "JIGX_PAT" in checks["jigx"]["detail"]
    assert checks["fresh"]["mark"] == "unknown"
    r = cli("status", "--solution", app, "--acumatica-url", instance.url, "--tenant", "MyTenant", "--base-url",
            jigx.base_url, env={**env, "ACUMATICA_PASSWORD": "wrong-password"})
    assert r.exit_code == 4 and "? published: getPublished: sign-in refused" in r.stdout


def test_status_local_on_the_quick_start_solution(tmp_path):
    app = tmp_path / "demo"
    assert cli("generate", *sorted(SAMPLES.glob("*.yaml")), "--out", app, "--region", "us").exit_code == 0
    assert cli("backfill", "customers", "--solution", app, "--local", "--from", SAMPLES / "customers-rows.csv"
               ).exit_code == 0
    r = cli("status", "--solution", app, "--local")
    assert r.exit_code == 4, r.output
    assert "customers: files ✓" in r.stdout and "jigx ✓ 25 rows" in r.stdout and "backfill: 25 sent" in r.stdout
    assert "? published: not read: no instance URL" in r.stdout
