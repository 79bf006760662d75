"""Backfill's OData paging against a fake that types literals as strictly as OData v4 (a quoted
GUID or date, or a date-time without its offset, is an error answer), caps pages silently and
repeats an EntityType's short name in another namespace: no row is skipped or sent twice."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from jigx_acumatica.config import Target
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.fakes.odata import FakeOData
from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli, make_solution

PAT = "jigx_pat_for_paging_tests_0123456789"
ENV = {"ACUMATICA_USERNAME": "reader", "ACUMATICA_PASSWORD": "odata-Pa55-word!", "JIGX_PAT": PAT}
ACTIVITIES = """entity: Activity
table: activities
inquiry: Jigx CDC activities
source: {dac: PX.Objects.CR.CRActivity}
key: [ActivityID]
columns:
  ActivityID: {field: CRActivity.NoteID, type: guid}
  StartDate: {field: CRActivity.StartDate, type: datetime}
  Subject: CRActivity.Subject
odata: true
screen_id: GI990002
"""
PROPS = {"ActivityID": "Edm.Guid", "StartDate": "Edm.DateTimeOffset", "Subject": "Edm.String", "_tab": "Edm.String",
         "_del": "Edm.Boolean", "_mod": "Edm.DateTimeOffset"}


def rows(n: int) -> list[dict]:
    return [{"ActivityID": str(uuid.UUID(int=i * 7919 + 1)),
             "StartDate": f"2026-03-{1 + i % 28:02d}T08:{i % 60:02d}:00",
             "Subject": f"Call {i} with O'Neil", "_tab": "Activity", "_del": False,
             "_mod": f"2026-04-{1 + i % 28:02d}T09:00:00"} for i in range(n)]


def run(tmp_path: Path, definition: str, table: str, fake: FakeOData, *extra: str):
    (tmp_path / f"{table}.yaml").write_text(definition)
    app = make_solution(tmp_path / "app", [tmp_path / f"{table}.yaml"], "--org", ORG, "--solution-id", SOLUTION_ID,
                        "--company", "MyTenant")
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    with Endpoint(cfg, tmp_path / "jigx.sqlite") as ep:
        r = cli("backfill", table, "--solution", app, "--acumatica-url", fake.url, "--tenant", "MyTenant",
                "--base-url", ep.base_url, "--backoff", "0", *extra, env=ENV)
        return r, ep.store.rows(table)


@pytest.fixture
def fake():
    f = FakeOData("Jigx CDC activities", PROPS, rows(130))
    yield f
    f.close()


def test_a_guid_key_pages_with_bare_literals(tmp_path, fake):
    r, landed = run(tmp_path, ACTIVITIES, "activities", fake, "--batch-size", "50")
    assert r.exit_code == 0, r.output
    assert sorted(x["ActivityID"] for x in landed) == sorted(x["ActivityID"] for x in fake.rows) and len(landed) == 130
    filters = [q["query"]["$filter"] for q in fake.requests if "$filter" in q["query"]]
    assert filters and all("ActivityID gt '" not in f for f in filters)  # a GUID is never quoted


def test_a_date_time_key_pages_with_its_offset(tmp_path):
    definition = ACTIVITIES.replace("key: [ActivityID]", "key: [StartDate, ActivityID]")
    fake = FakeOData("Jigx CDC activities", PROPS, rows(90))
    try:
        r, landed = run(tmp_path, definition, "activities", fake, "--batch-size", "20")
    finally:
        fake.close()
    assert r.exit_code == 0, r.output
    assert len(landed) == 90
    second = [q["query"]["$filter"] for q in fake.requests if "$filter" in q["query"]][0]
    assert "StartDate gt 2026-" in second and "Z)" in second


def test_a_silent_page_cap_does_not_end_the_load_early(tmp_path, fake):
    fake.page_cap = 30  # the server hands back 30 rows whatever $top asks for
    r, landed = run(tmp_path, ACTIVITIES, "activities", fake, "--batch-size", "50")
    assert r.exit_code == 0, r.output
    assert len(landed) == 130
    last = [q for q in fake.requests if not q["path"].endswith("$metadata")][-1]
    assert "$filter" in last["query"]  # the end was proved by one read past the last key


def test_the_entity_type_is_found_by_its_qualified_name(tmp_path, fake):
    fake.namespace = "GI"  # live $metadata may use another namespace; a decoy shares the short name
    r, landed = run(tmp_path, ACTIVITIES, "activities", fake)
    assert r.exit_code == 0, r.output
    assert len(landed) == 130


@pytest.mark.parametrize("since", ["2026-01-01 or 1 eq 1", "yesterday", "2026-13-01", "01/02/2026"])
def test_since_must_be_an_iso_date_and_nothing_is_sent(tmp_path, fake, since):
    r, landed = run(tmp_path, ACTIVITIES, "activities", fake, "--since", since)
    assert r.exit_code == 2 and "is not an ISO date or date-time" in r.stderr, r.output
    assert landed == [] and fake.requests == []


def test_since_is_sent_as_a_typed_literal_with_an_offset(tmp_path, fake):
    r, landed = run(tmp_path, ACTIVITIES, "activities", fake, "--since", "2026-04-20T00:00:00+02:00")
    assert r.exit_code == 0, r.output
    assert all("_mod gt 2026-04-20T00:00:00+02:00" in q["$filter"] for q in fake.page_reads())
    assert len(landed) == len([x for x in fake.rows if x["_mod"] > "2026-04-20T00:00:00"])


def test_a_list_field_key_is_refused_for_odata_paging(tmp_path):
    definition = (SAMPLES / "open-invoices.yaml").read_text() + "odata: true\nscreen_id: GI990003\n"
    fake = FakeOData("unused", {}, [])
    try:
        r, _ = run(tmp_path, definition, "open-invoices", fake)
    finally:
        fake.close()
    assert r.exit_code == 2 and "a list field" in r.stderr and "--from" in r.stderr, r.output
    assert fake.requests == []


def test_an_answer_that_repeats_is_reported_with_the_servers_message(tmp_path, fake):
    fake.failures = ["500"] * 10
    r, landed = run(tmp_path, ACTIVITIES, "activities", fake, "--retries", "2")
    assert r.exit_code == 33 and "after 3 attempts: injected" in r.stderr, r.output
    assert landed == []


def test_a_retry_after_longer_than_the_tool_waits_is_said_as_such(tmp_path, fake):
    fake.failures = ["429"]
    fake.retry_after = "3600"
    r, landed = run(tmp_path, ACTIVITIES, "activities", fake)
    assert r.exit_code == 33 and "asked to retry after 3600 s" in r.stderr, r.output
    assert landed == []
