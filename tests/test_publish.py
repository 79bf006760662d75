"""package and publish, end to end from the CLI against a fake Acumatica that follows the
documented CustomizationApi contract and records every request."""

from __future__ import annotations

import base64
import io
import json
import socket
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.fakes.acumatica import FakeAcumatica
from tests.helpers import SAMPLE_FILES, TARGET_ARGS, cli, tree

PASSWORD = "s3cret-Pa55word-Acu!"


@pytest.fixture
def acumatica():
    fake = FakeAcumatica(password=PASSWORD)
    yield fake
    fake.close()


@pytest.fixture
def app(tmp_path) -> Path:
    """A solution with every sample (for the package checks)."""
    app = tmp_path / "app"
    assert cli("init", app, *TARGET_ARGS, *[a for p in SAMPLE_FILES for a in ("--table", p)]).exit_code == 0
    return app


@pytest.fixture
def small(tmp_path) -> Path:
    """Two tables are enough to publish."""
    app = tmp_path / "small"
    assert cli("init", app, *TARGET_ARGS, *[a for p in SAMPLE_FILES[:2] for a in ("--table", p)]).exit_code == 0
    return app


def publish(app: Path, fake: FakeAcumatica, *args, env=None):
    # the schema check before publishing is tested in test_schema.py; here, the CustomizationApi
    return cli("publish", "--solution", app, "--acumatica-url", fake.url, "--poll-interval", "0", "--no-schema-check",
               *args,
               env={"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD, **(env or {})})


def project_xml(data: bytes) -> ET.Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["project.xml"]
        return ET.fromstring(zf.read("project.xml"))


def test_package_is_deterministic_and_holds_every_inquiry(app, tmp_path):
    zip_path = app / "acumatica/jigx-cdc.zip"
    first = zip_path.read_bytes()
    root = project_xml(first)
    assert root.tag == "Customization" and set(root.attrib) == {"level", "description", "product-version"}
    screens = root.findall("GenericInquiryScreen")
    names = sorted(s.find("data-set/data/GIDesign/row").get("Name") for s in screens)
    assert len(screens) == len(SAMPLE_FILES)
    for screen in screens:  # the same data set as the table's generic-inquiry.xml
        name = screen.find("data-set/data/GIDesign/row").get("Name")
        table = next(p for p in (app / "acumatica").iterdir() if p.is_dir() and name in
                     (p / "generic-inquiry.xml").read_text())
        alone = ET.parse(table / "generic-inquiry.xml").getroot()
        assert ET.tostring(screen.find("data-set")) .split() == ET.tostring(alone).split()
    assert names == sorted(names)
    # regenerating, or generating the same solution elsewhere, gives the same bytes
    assert cli("package", "--solution", app).exit_code == 0
    assert zip_path.read_bytes() == first
    other = tmp_path / "other"
    assert cli("init", other, *TARGET_ARGS, *[a for p in SAMPLE_FILES for a in ("--table", p)]).exit_code == 0
    assert (other / "acumatica/jigx-cdc.zip").read_bytes() == first
    # a table changed: the package follows; the package is one more managed file
    stored = app / "acumatica/vendors/table.yaml"
    stored.write_text(stored.read_text() + "inquiry: Vendors for Jigx\n")
    assert cli("generate", "--solution", app).exit_code == 0
    assert zip_path.read_bytes() != first and b"Vendors for Jigx" in zip_path.read_bytes()
    assert cli("generate", "--solution", app, "--check").exit_code == 0


def test_package_out_and_experimental_push_without_the_pat(app, tmp_path):
    """Issue 17.5: WEBH and GI by default (the engine's constants), the flags override; each
    destination inactive while its header holds the placeholder; FieldID numbered per destination;
    the output warns that the Name is a key."""
    out = tmp_path / "x.zip"
    r = cli("package", "--solution", app, "--out", out, "--push-type-code", "WH")
    assert r.exit_code == 2 and "go with --with-push" in r.stderr
    r = cli("package", "--solution", app, "--out", out, "--with-push", env={"JIGX_PAT": "jxpat_never_in_a_package_1"})
    assert r.exit_code == 0 and "EXPERIMENTAL" in r.stderr, r.output
    assert "tick Active" in r.stderr and "delete a destination of the same name" in r.stderr
    root = project_xml(out.read_bytes())
    hooks = root.findall("PushNotification/data-set/data/PushNotificationsHook/row")
    assert len(hooks) == len(SAMPLE_FILES)
    assert b"jxpat_never" not in out.read_bytes()
    for hook in hooks:
        assert hook.get("HeaderValue").startswith("Bearer <") and hook.get("Active") == "0"
        assert hook.get("Type") == "WEBH" and hook.get("Name") == "Jigx " + hook.get("Address").split("table=")[1]
        (source,) = hook.findall("PushNotificationsSource")
        assert source.get("SourceType") == "GI" and source.get("LineNbr") == "1"
        fields = source.findall("PushNotificationsTrackingField")
        assert [f.get("FieldID") for f in fields] == [str(n) for n in range(1, len(fields) + 1)]
        assert all(f.get("TableName") and f.get("FieldName") for f in fields)
    assert any(len(h.findall("PushNotificationsSource/PushNotificationsTrackingField")) > 0 for h in hooks)
    r = cli("package", "--solution", app, "--out", out, "--with-push", "--push-type-code", "WH",
            "--push-source-type", "G")
    assert r.exit_code == 0
    hooks = project_xml(out.read_bytes()).findall("PushNotification/data-set/data/PushNotificationsHook/row")
    assert {h.get("Type") for h in hooks} == {"WH"}
    assert {h.find("PushNotificationsSource").get("SourceType") for h in hooks} == {"G"}
    checklist = (app / "acumatica/customers/push-notification.md").read_text()
    assert "The name is the destination's key" in checklist and "tick Active only after pasting" in checklist


def test_one_builder_a_hand_edited_inquiry_goes_into_every_package(small, acumatica, tmp_path):
    """The managed ZIP, package --out and what publish sends come from one function and the same
    inputs: the inquiry files as the solution holds them, hand edits included."""
    inquiry = next(sorted((small / "acumatica").glob("*/generic-inquiry.xml")).__iter__())
    edited = inquiry.read_text().replace('Caption="', 'Caption="Edited ', 1)
    inquiry.write_text(edited)
    before = tree(small)
    r = cli("package", "--solution", small)  # updates the package only: nothing else is touched
    assert r.exit_code == 0 and "package updated" in r.stdout, r.output
    after = tree(small)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == [".jigx-acumatica/state.json", "acumatica/jigx-cdc.zip"]
    managed = (small / "acumatica/jigx-cdc.zip").read_bytes()
    assert b'Caption="Edited ' in managed
    out = tmp_path / "out.zip"
    assert cli("package", "--solution", small, "--out", out).exit_code == 0
    assert out.read_bytes() == managed
    assert cli("generate", "--solution", small, "--check").exit_code == 0  # the edit is kept, nothing pending
    r = publish(small, acumatica, "--tenant", "MyTenant")
    assert r.exit_code == 0, r.output
    assert base64.b64decode(acumatica.seen[1].body["projectContentBase64"]) == managed
    assert cli("package", "--solution", small).stdout.startswith("package up to date")


def test_publish_end_to_end(small, acumatica):
    r = publish(small, acumatica, "--tenant", "MyTenant")
    assert r.exit_code == 0, r.output
    assert acumatica.calls() == ["login", "import", "publishBegin", "publishEnd", "publishEnd", "logout"]
    login, imp, begin = acumatica.seen[0], acumatica.seen[1], acumatica.seen[2]
    assert login.body == {"name": "admin", "password": PASSWORD, "tenant": "MyTenant"}
    assert all(".ASPXAUTH=" in s.cookie for s in acumatica.seen[1:])  # the cookie session is carried
    assert imp.body["projectName"] == "JigxCdc" and imp.body["isReplaceIfExists"] is True
    assert base64.b64decode(imp.body["projectContentBase64"]) == (small / "acumatica/jigx-cdc.zip").read_bytes()
    assert "projectContents" not in imp.body
    assert begin.body["isMergeWithExistingPackages"] is True and begin.body["projectNames"] == ["JigxCdc"]
    assert begin.body["isOnlyValidation"] is False
    assert "published project JigxCdc" in r.stdout
    config = (small / "jigx-acumatica.yaml").read_text()
    assert f"acumaticaUrl: {acumatica.url}" in config and "tenant: MyTenant" in config
    assert PASSWORD not in config


def test_validate_only_and_config_reuse(small, acumatica):
    assert publish(small, acumatica, "--tenant", "MyTenant").exit_code == 0
    acumatica.seen.clear()
    r = cli("publish", "--solution", small, "--validate-only", "--poll-interval", "0", "--no-schema-check",
            env={"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD})
    assert r.exit_code == 0, r.output
    assert acumatica.seen[0].body["tenant"] == "MyTenant"
    begin = next(s for s in acumatica.seen if s.path.endswith("publishBegin"))
    assert begin.body["isOnlyValidation"] is True and begin.body["isMergeWithExistingPackages"] is True
    assert "validated" in r.stdout


def test_each_tenant_in_turn(small, acumatica):
    """Declared tenants are published in turn (tests/test_tenants.py: each its own package)."""
    config = small / "jigx-acumatica.yaml"
    config.write_text(config.read_text() + "tenants: [MyTenant, Other]\n")
    assert cli("generate", "--solution", small).exit_code == 0
    r = publish(small, acumatica)
    assert r.exit_code == 0, r.output
    logins = [s.body["tenant"] for s in acumatica.seen if s.path.endswith("login")]
    assert logins == ["MyTenant", "Other"] and acumatica.calls().count("logout") == 2


@pytest.mark.parametrize("script,code,message", [
    (["failed"], 23, "Validation failed"),
    (["error-log"], 23, "unknown table"),
    (["progress", "400-done"], 0, "published"),
    (["progress", "drop", "drop", "done"], 0, "published"),
])
def test_publish_outcomes(small, acumatica, script, code, message):
    acumatica.publish_script = script
    r = publish(small, acumatica)
    assert r.exit_code == code, r.output
    assert message in r.output
    assert acumatica.calls()[-1] == "logout", "sign-out on every path"


def test_import_error_in_a_200_is_a_failure(small, acumatica):
    acumatica.import_error = "The project file is invalid"
    r = publish(small, acumatica)
    assert r.exit_code == 23 and "The project file is invalid" in r.stderr
    assert acumatica.calls() == ["login", "import", "logout"]


def test_a_publish_that_never_completes_times_out(small, acumatica):
    acumatica.publish_script = ["progress"]
    r = publish(small, acumatica, "--max-wait", "1")
    assert r.exit_code == 24 and "did not complete" in r.stderr
    assert acumatica.calls()[-1] == "logout"


def test_bad_credentials_and_missing_rights(small, acumatica):
    r = publish(small, acumatica, env={"ACUMATICA_PASSWORD": "wrong-password-xyz"})
    assert r.exit_code == 20 and "sign-in refused" in r.stderr
    assert "logout" not in acumatica.calls()  # never signed in
    acumatica.customizer = False
    r = publish(small, acumatica)
    assert r.exit_code == 21 and "Customizer role" in r.stderr and "SM204505" in r.stderr
    assert acumatica.calls()[-1] == "logout"


def test_wrong_url_and_nothing_listening(small, acumatica):
    r = cli("publish", "--solution", small, "--acumatica-url", acumatica.url + "/nope",
            env={"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD})
    assert r.exit_code == 22, r.output
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = cli("publish", "--solution", small, "--acumatica-url", f"http://127.0.0.1:{port}",
            env={"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD})
    assert r.exit_code == 26 and "connection refused" in r.stderr  # told apart by errno, not message text


def test_dry_run_sends_nothing_and_masks(small, acumatica):
    r = publish(small, acumatica, "--dry-run", "--tenant", "MyTenant")
    assert r.exit_code == 0 and acumatica.seen == []
    assert '"password": "****"' in r.stdout and PASSWORD not in r.stdout
    assert '"isMergeWithExistingPackages": true' in r.stdout


def test_dry_run_needs_no_credentials(small, acumatica):
    """The documented first step, before any credentials are set up."""
    r = cli("publish", "--solution", small, "--acumatica-url", acumatica.url, "--tenant", "MyTenant", "--dry-run",
            env={"ACUMATICA_USERNAME": "", "ACUMATICA_PASSWORD": ""})
    assert r.exit_code == 0 and acumatica.seen == [], r.output
    assert '"name": "<ACUMATICA_USERNAME>"' in r.stdout
    r = cli("publish", "--solution", small, "--acumatica-url", acumatica.url, env={"ACUMATICA_USERNAME": ""})
    assert r.exit_code == 2 and "ACUMATICA_USERNAME" in r.stderr and acumatica.seen == []


def test_out_of_date_package_is_refused(small, acumatica):
    stored = small / "acumatica/customers/table.yaml"
    stored.write_text(stored.read_text() + "inquiry: Changed\n")
    r = publish(small, acumatica)
    assert r.exit_code == 2 and "out of date" in r.stderr and acumatica.seen == []


def test_no_password_anywhere(small, acumatica, tmp_path):
    pw_file = tmp_path / "pw"
    pw_file.write_text(PASSWORD + "\n")
    outputs = []
    for args in (["--tenant", "MyTenant"], ["--json"], ["--dry-run"]):
        r = cli("publish", "--solution", small, "--acumatica-url", acumatica.url, "--password-file", pw_file,
                "--no-schema-check",
                "--poll-interval", "0", *args, env={"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": ""})
        outputs.append(r.output)
    acumatica.customizer = False
    outputs.append(publish(small, acumatica).output)
    assert all(PASSWORD not in o for o in outputs)
    for rel, data in tree(small).items():
        assert PASSWORD.encode() not in data, rel
    assert json.loads(outputs[1])["ok"] is True


def test_wrong_tenant_is_a_sign_in_problem(small, acumatica):
    r = publish(small, acumatica, "--tenant", "NoSuchTenant")
    assert r.exit_code == 20 and "--tenant" in r.stderr and "Unknown company" in r.stderr


def test_settings_are_saved_only_once_a_sign_in_proved_them(small, acumatica):
    """Issue 19.4: a failed sign-in saves nothing (a mistyped tenant or URL); several tenants are
    saved as 'tenants: [A, B]' once the last signed in; the run says what it saved; one tenant
    given later replaces the list."""
    config = small / "jigx-acumatica.yaml"
    before = config.read_text()
    r = publish(small, acumatica, "--tenant", "NoSuchTenant")
    assert r.exit_code != 0 and config.read_text() == before and "saved in" not in r.stderr
    r = cli("publish", "--solution", small, "--acumatica-url", "http://127.0.0.1:9", "--tenant", "MyTenant",
            "--poll-interval", "0", "--retries", "0",
            env={"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD})
    assert r.exit_code != 0 and config.read_text() == before  # an instance that never answered proves nothing
    r = publish(small, acumatica, "--tenant", "MyTenant")
    assert r.exit_code == 0, r.output
    assert YAML(typ="safe").load(config.read_text())["tenant"] == "MyTenant"
    assert "saved in jigx-acumatica.yaml (the sign-in proved them)" in r.stderr and "tenant: MyTenant" in r.stderr
    # several tenants are declared once in the config (each gets its own tables and package, #20),
    # never by a publish option: nothing is sent or saved, and the fix says how
    acumatica.seen.clear()
    saved = config.read_text()
    r = publish(small, acumatica, "--tenant", "MyTenant", "--tenant", "Other")
    assert r.exit_code == 2 and not acumatica.seen and config.read_text() == saved
    assert "declare them once, tenants: [MyTenant, Other]" in r.stderr and "docs/tenants.md" in r.stderr
    assert publish(small, acumatica, "--tenant", "Other").exit_code == 0
    data = YAML(typ="safe").load(config.read_text())
    assert data["tenant"] == "Other" and "tenants" not in data


def test_ctrl_c_during_publish_says_it_may_still_be_running(small, acumatica):
    """Issue 19.9: interrupted while the instance publishes, the run says how to check."""
    import os
    import signal
    import subprocess
    import sys
    import time

    acumatica.publish_script = ["progress"] * 10_000  # publishing never ends while we wait
    p = subprocess.Popen([sys.executable, "-m", "jigx_acumatica", "publish", "--solution", str(small),
                          "--acumatica-url", acumatica.url, "--tenant", "MyTenant", "--poll-interval", "0.05"],
                         env={**os.environ, "ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while "publishBegin" not in acumatica.calls() and time.monotonic() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=20)
    assert p.returncode == 130 and "publishing may still be running on the instance" in err and "SM204505" in err
