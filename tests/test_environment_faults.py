"""Issue 10, points 8-11: the user's environment at fault gets a clear message and exit 2 (never
"this is a bug"), nothing half-written; control characters never reach the terminal; the local
endpoint holds up under bursts and slow clients."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests

from jigx_acumatica.config import Target
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli, tree

CUSTOMERS = SAMPLES / "customers.yaml"
TOKEN = "local-test-token-9e2f"


def assert_clear(r, *words: str) -> None:
    """Exit 2 with an error naming the problem and a fix; no internal error, no traceback."""
    assert r.exit_code == 2, r.output
    assert "internal error" not in r.output and "Traceback" not in r.output
    assert "error:" in r.stderr and "fix:" in r.stderr, r.stderr
    for word in words:
        assert word in r.stderr, (word, r.stderr)


# --- definitions that are not plain files ---------------------------------------------------------

def test_symlink_loop_as_definition(tmp_path):
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    assert_clear(cli("generate", loop, "--out", tmp_path / "app"), "loop.yaml", "symbolic link")
    assert not (tmp_path / "app").exists()


def test_fifo_as_definition_does_not_hang(tmp_path):
    fifo = tmp_path / "def.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert_clear(cli("generate", fifo, "--out", tmp_path / "app"), "not a regular file")
    assert time.monotonic() - started < 5


def test_huge_definition_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: 100 MB that cost nothing to make
    assert_clear(cli("generate", big, "--out", tmp_path / "app"), "larger than 1024 KiB")


def test_binary_notification_is_called_binary_json(tmp_path):
    f = tmp_path / "push.json"
    f.write_bytes(b"\x00\x01binary")
    r = cli("inspect", f, "--table", CUSTOMERS)
    assert_clear(r, "binary, not JSON text")
    assert "YAML" not in r.stderr


def test_deeply_nested_notification(tmp_path):
    f = tmp_path / "push.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    assert_clear(cli("inspect", f, "--table", CUSTOMERS), "nested too deeply")


# --- solutions where files and folders are not what they must be ----------------------------------

def test_file_where_the_solution_folder_must_be(tmp_path):
    (tmp_path / "file").write_text("x")
    assert_clear(cli("generate", CUSTOMERS, "--out", tmp_path / "file" / "app"), "file stands where a folder")


def test_file_where_datasources_folder_must_be(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    (app / "datasources").write_text("not a folder")
    before = tree(app)
    assert_clear(cli("add", CUSTOMERS, "--solution", app), "datasources")
    assert tree(app) == before, "nothing may change"


def test_folder_where_a_generated_file_must_be(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    (app / "datasources/customers.jigx").mkdir(parents=True)
    assert_clear(cli("add", CUSTOMERS, "--solution", app), "folder")


def test_read_only_user_file_is_not_replaced(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    index = app / "index.jigx"
    before = index.read_bytes()
    index.chmod(0o444)
    assert_clear(cli("add", CUSTOMERS, "--solution", app), "index.jigx", "read-only")
    assert index.read_bytes() == before
    assert not (app / "acumatica/customers").exists(), "a refused run writes nothing"


def test_file_modes_are_kept_and_state_is_like_every_other_file(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS).exit_code == 0
    (app / "index.jigx").chmod(0o640)
    assert cli("add", SAMPLES / "vendors.yaml", "--solution", app).exit_code == 0
    assert (app / "index.jigx").stat().st_mode & 0o777 == 0o640
    default = (app / "datasources/vendors.jigx").stat().st_mode & 0o777
    assert (app / ".jigx-acumatica/state.json").stat().st_mode & 0o777 == default


def test_serve_db_that_is_a_folder_or_not_sqlite(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS).exit_code == 0
    r = cli("serve", "--solution", app, "--port", "0", "--db", tmp_path)
    assert r.exit_code == 2 and "is a directory" in r.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not an sqlite database, just text " * 100)
    assert_clear(cli("serve", "--solution", app, "--port", "0", "--db", junk), "SQLite", "name a new file")
    assert_clear(cli("serve", "--solution", app, "--port", "0", "--db", tmp_path / "no/such/dir/x.db"), "SQLite")


def test_serve_listen_errors_have_their_own_fix(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS).exit_code == 0
    r = cli("serve", "--solution", app, "--host", "999.1.1.1", "--port", "0")
    assert_clear(r, "not an address of this machine", "127.0.0.1")
    assert "--port" not in r.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert_clear(cli("serve", "--solution", app, "--port", port), "already in use", "another --port")


# --- control characters --------------------------------------------------------------------------

HOSTILE = "evil\x1b]0;pwned\x07name\x00\x9b31m"


def test_control_characters_in_messages_are_escaped(tmp_path):
    d = tmp_path / "bad.yaml"
    d.write_text("entity: Customer\ntable: customers\nsource: {dac: PX.Objects.AR.Customer}\n"
                 'key: [CustomerID]\ncolumns:\n  CustomerID: Customer.AcctCD\n"odd\\e]0;pwned\\a\\x9b": 1\n',
                 encoding="utf-8")
    r = cli("generate", d, "--out", tmp_path / "app")
    assert r.exit_code == 2
    assert "\x1b" not in r.output and "\\x1b" in r.stderr
    r = cli("remove", HOSTILE, "--solution", tmp_path)
    assert r.exit_code == 2
    assert not any(ch in r.output for ch in "\x1b\x07\x00\x9b")


def test_query_value_cannot_forge_log_lines(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--table", CUSTOMERS).exit_code == 0
    lines: list[str] = []
    cfg = endpoint_config(app, TOKEN, Target(organization_id=ORG, solution_id=SOLUTION_ID), lines.append)
    with Endpoint(cfg) as ep:
        url = (f"{ep.base_url}/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc"
               "?table=customers%0APOST%20200%20table=forged%1b[2J")
        r = requests.post(url, data="{}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert r.status_code == 400
    assert len(lines) == 1 and "\n" not in lines[0] and "\x1b" not in lines[0]
    assert "\\n" in lines[0]


# --- the local endpoint under load -----------------------------------------------------------------

@pytest.fixture
def endpoint(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--table", CUSTOMERS).exit_code == 0
    cfg = endpoint_config(app, TOKEN, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    cfg.read_timeout = 1.0
    with Endpoint(cfg) as ep:
        yield ep


def cdc_url(ep) -> str:
    return f"{ep.base_url}/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc?table=customers"


def push_body(n: int) -> bytes:
    row = {"CustomerID": f"C{n:05d}", "_tab": "Customer", "_del": False, "_mod": "2026-11-20T09:15:02.117"}
    return json.dumps({"Inserted": [row], "Deleted": [], "Query": "Jigx CDC customers", "CompanyId": "T",
                       "Id": f"00000000-0000-4000-8000-{n:012d}", "TimeStamp": 639000000000000000}).encode()


def raw_post(url: str, body: bytes) -> int:
    """One POST on a fresh connection; the status, or -1 when the connection was refused or reset."""
    host, _, rest = url.removeprefix("http://").partition("/")
    h, port = host.split(":")
    try:
        with socket.create_connection((h, int(port)), timeout=20) as s:
            s.sendall(f"POST /{rest} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                      .encode() + body)
            reply = s.recv(64)
        return int(reply.split()[1]) if reply.startswith(b"HTTP/1.1 ") else -1
    except OSError:
        return -1


def test_a_burst_of_200_simultaneous_posts_is_not_reset(endpoint):
    url = cdc_url(endpoint)
    results: list[int] = []
    start = threading.Barrier(200)

    def client(n: int) -> None:
        start.wait()
        results.append(raw_post(url, push_body(n)))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(set(results)) == [200], {code: results.count(code) for code in set(results)}
    assert len(endpoint.store.rows("customers")) == 200


def test_slow_and_half_sent_requests_time_out_and_do_not_starve_others(endpoint):
    host, port = endpoint.httpd.server_address[:2]
    stalled = []
    for _ in range(40):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(b"POST /tool/x HTTP/1.1\r\nContent-Length: 500\r\n\r\n{\"half")  # then silence
        stalled.append(s)
    try:
        assert raw_post(cdc_url(endpoint), push_body(1)) == 200, "a good request waited behind stalled ones"
        for s in stalled:  # each is closed by the server after its read timeout (1 s here)
            s.settimeout(5)
            assert s.recv(1024) is not None
    finally:
        for s in stalled:
            s.close()


@pytest.mark.parametrize("body,message", [
    ({"TimeStamp": 10 ** 30}, "is not a .NET time"),
    ({"TimeStamp": -1}, "is not a .NET time"),
])
def test_malformed_bodies_get_400_with_a_message(endpoint, body, message):
    full = {"Inserted": [], "Deleted": [], "Query": "Jigx CDC customers", "CompanyId": "T", **body}
    r = requests.post(cdc_url(endpoint), json=full, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert r.status_code == 400 and message in r.json()["error"]


def test_deeply_nested_body_gets_400(endpoint):
    r = requests.post(cdc_url(endpoint), data="[" * 50_000 + "]" * 50_000,
                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert r.status_code == 400 and "nested too deeply" in r.json()["error"]


def test_sqlite_file_stays_usable(tmp_path):
    """The SQLite error path closes what it opened (no locked file left for the next run)."""
    db = tmp_path / "cdc.sqlite"
    sqlite3.connect(db).close()
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS).exit_code == 0
    cfg = endpoint_config(app, TOKEN, Target(), lambda _: None)
    with Endpoint(cfg, db):
        pass
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM customers").fetchone() == (0,)
    assert isinstance(Path(db), Path)


def test_pat_file_that_is_a_fifo_does_not_hang(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--region", "us", "--org", ORG, "--solution-id", SOLUTION_ID, "--table", CUSTOMERS
               ).exit_code == 0
    fifo = tmp_path / "pat"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert_clear(cli("verify", "--solution", app, "--pat-file", fifo, env={"JIGX_PAT": ""}), "not a regular file")
    assert time.monotonic() - started < 5


def test_doctor_on_a_fifo_datasource_does_not_hang(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    (app / "datasources").mkdir()
    os.mkfifo(app / "datasources/odd.jigx")
    started = time.monotonic()
    r = cli("doctor", "--solution", app)
    assert r.exit_code == 1 and "datasources/odd.jigx" in r.stdout and "not a regular" in r.stdout
    assert time.monotonic() - started < 5


def test_a_full_disk_leaves_no_file_changed_and_no_empty_folder(tmp_path):
    """Issue 19.14: a write that fails for lack of space (here the file-size limit a process can be
    given, which fails a write as a full disk does: acumatica/README.md fits, the next file does
    not) leaves no file and no folder it made."""
    import subprocess
    import sys

    script = ("import resource, signal, sys\n"
              "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
              "from jigx_acumatica.cli import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    out = tmp_path / "new"
    p = subprocess.run([sys.executable, "-c", script, "generate", str(SAMPLES / "customers.yaml"), "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "Traceback" not in p.stderr, p.stderr
    assert "File too large" in p.stderr or "No space" in p.stderr, p.stderr
    assert not out.exists()  # not even the empty acumatica/customers/ folders
