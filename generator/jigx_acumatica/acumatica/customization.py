"""publish: import the customization package into a live Acumatica and publish it, through its
CustomizationApi (docs/platform-facts.md, "Generic Inquiry XML and packages").

Per tenant: sign in (cookie session), import the ZIP (projectContentBase64, the field the API
really binds), publishBegin with isMergeWithExistingPackages always true (false would unpublish
every other customization on the site), poll publishEnd until it completes (tolerating dropped
connections while the site restarts), read the log (errors come back with HTTP 200, and
publishEnd may answer 400 with the same JSON), and always sign out. Imports requests: only this
command loads it; the retries and network classification are the HTTP layer's (transport.py)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from ..errors import ExitCode, ToolError, printable
from ..transport import Answer, NetworkError, Policy, Redactor, request

# Steps change the instance: a 5xx is not retried blindly (publishEnd is polled on its own).
PUBLISH_POLICY = Policy(timeout=60.0, retries=0)


class PublishError(ToolError):
    """A publish that did not succeed, with its own exit code (see ExitCode)."""

    def __init__(self, code: ExitCode, message: str, hint: str, log: list[str] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = code
        self.log = log or []


@dataclass
class Credentials:
    username: str
    password: str = field(repr=False)


@dataclass
class PublishJob:
    url: str  # the instance, e.g. https://mycompany.acumatica.com
    tenant: str | None
    project: str
    description: str
    package: bytes
    validate_only: bool = False
    policy: Policy = PUBLISH_POLICY
    poll_interval: float = 5.0
    max_wait: float = 900.0  # for publishEnd to complete
    sleep: Callable[[float], None] = time.sleep


Report = Callable[[str], None]


def log_lines(body: Any, kinds: tuple[str, ...] = ("error",)) -> list[str]:
    """The messages of the log entries of these kinds in a CustomizationApi answer."""
    entries = body.get("log") if isinstance(body, dict) else None
    return [printable(str(e.get("message", ""))) for e in entries or []
            if isinstance(e, dict) and str(e.get("logType", "")).lower() in kinds]


# Each kind of network failure: its exit code, what happened, and the fix.
_NETWORK: dict[str, tuple[ExitCode, str, str]] = {
    "tls": (ExitCode.PUBLISH_TLS, "TLS error talking to {url}",
            "check --acumatica-url (https, the instance's host) and the machine's CA certificates"),
    "timeout": (ExitCode.PUBLISH_TIMEOUT, "no answer from {url} in {timeout:g} s",
                "check the URL and the network; the instance may be busy"),
    "dns": (ExitCode.PUBLISH_UNREACHABLE, "the host name of {url} does not resolve",
            "check --acumatica-url for typos and the machine's DNS"),
    "refused": (ExitCode.PUBLISH_UNREACHABLE, "connection refused by {url}",
                "check --acumatica-url: the host name, the port, and that the instance is running"),
    "dropped": (ExitCode.PUBLISH_UNREACHABLE, "the connection to {url} dropped ({detail})",
                "the instance may be restarting; check Customization Projects (SM204505) and try again"),
    "other": (ExitCode.PUBLISH_UNREACHABLE, "cannot reach {url} ({detail})",
              "check --acumatica-url: the host name, the port, and that the instance is running"),
}


class Client:
    """One signed-in session on one tenant. Use as a context manager: signing out always happens."""

    def __init__(self, job: PublishJob, creds: Credentials, report: Report) -> None:
        self.job, self.creds, self.report = job, creds, report
        self.session = requests.Session()
        self.redact = Redactor(creds.password)
        self.signed_in = False

    def __enter__(self) -> Client:
        self.login()
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()
        self.session.close()

    # --- requests ---------------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any] | None, *, step: str) -> Answer:
        headers = {"Accept": "application/json"} if body is not None else {"Accept": "application/json",
                                                                           "Content-Length": "0"}
        try:
            return request(self.session, "POST", f"{self.job.url}{path}", self.job.policy, json=body, headers=headers)
        except NetworkError as exc:
            code, summary, fix = _NETWORK[exc.kind]
            raise PublishError(code, f"{step}: " + summary.format(url=self.job.url, timeout=self.job.policy.timeout,
                                                                    detail=exc.detail), fix) from None

    def _check(self, resp: Answer, step: str) -> Any:
        """The answer's JSON; a PublishError for every way it says the step failed."""
        body = resp.json()
        status = resp.status
        server = self.redact(printable(resp.text[:300].strip())) if body is None else ""
        if status == 401:
            raise PublishError(ExitCode.PUBLISH_AUTH, f"{step}: HTTP 401, not signed in",
                               "check ACUMATICA_USERNAME, the password and --tenant")
        if status == 403:
            raise PublishError(ExitCode.PUBLISH_FORBIDDEN, f"{step}: HTTP 403, this user may not manage customization "
                               "projects (it needs the Customizer role)",
                               "ask for the Customizer role, or hand the ZIP to an administrator to import and publish "
                               "on Customization Projects (SM204505)")
        if status == 404:
            raise PublishError(ExitCode.PUBLISH_NOT_FOUND, f"{step}: HTTP 404 at {self.job.url}",
                               "check --acumatica-url: the instance's address, with its virtual directory if any "
                               "(https://host/AcumaticaERP)")
        errors = log_lines(body)
        if errors:
            raise PublishError(ExitCode.PUBLISH_FAILED, f"{step}: Acumatica reported errors: {'; '.join(errors)}",
                               "read the log lines above; fix the package or the instance, then publish again",
                               errors)
        if not 200 <= status < 300 and not (step == "publishEnd" and status == 400 and isinstance(body, dict)):
            raise PublishError(ExitCode.PUBLISH_UNEXPECTED, f"{step}: HTTP {status} {server}".rstrip(),
                               "check --acumatica-url and the instance's state")
        return body

    # --- the steps ---------------------------------------------------------------------------------

    def login(self) -> None:
        body: dict[str, Any] = {"name": self.creds.username, "password": self.creds.password}
        if self.job.tenant:
            body["tenant"] = self.job.tenant
        resp = self._post("/entity/auth/login", body, step="sign-in")
        answer = resp.json()
        refused = resp.status in (400, 401) or resp.status == 500 and isinstance(answer, dict)
        if refused:  # Acumatica's answer to an unknown tenant is not documented: a 500 with a message is one
            said = str(answer.get("message", "")) if isinstance(answer, dict) else ""
            message = self.redact(printable(said or resp.text[:200].strip() or "no message"))
            raise PublishError(ExitCode.PUBLISH_AUTH, f"sign-in refused (HTTP {resp.status}): {message}",
                               "check ACUMATICA_USERNAME, the password (ACUMATICA_PASSWORD or --password-file) and "
                               "--tenant (the tenant's login name, SM203520)")
        self._check(resp, "sign-in")
        self.signed_in = True
        self.report(f"signed in to {self.job.url}" + (f" (tenant {self.job.tenant})" if self.job.tenant else ""))

    def logout(self) -> None:
        if not self.signed_in:
            return
        try:
            self._post("/entity/auth/logout", None, step="sign-out")
        except PublishError:
            pass  # the session times out on the server after 10 minutes anyway
        self.signed_in = False
        self.report("signed out")

    def published_inquiries(self) -> set[str]:
        """The inquiry titles getPublished lists on this tenant (items GenericInquiryScreen#<title>;
        with nothing published the answer has no items at all)."""
        body = self._check(self._post("/CustomizationApi/getPublished", None, step="getPublished"), "getPublished")
        items = body.get("items") if isinstance(body, dict) else None
        return {str(i["key"]).split("#", 1)[1] for i in items or [] if isinstance(i, dict)
                and i.get("type") == "GenericInquiryScreen" and "#" in str(i.get("key", ""))}

    def import_package(self) -> None:
        body = {"projectLevel": 0, "isReplaceIfExists": True, "projectName": self.job.project,
                "projectDescription": self.job.description,
                "projectContentBase64": base64.b64encode(self.job.package).decode("ascii")}
        self._check(self._post("/CustomizationApi/import", body, step="import"), "import")
        self.report(f"imported project {self.job.project} ({len(self.job.package)} bytes)")

    def publish(self) -> list[str]:
        body = {"isMergeWithExistingPackages": True, "isOnlyValidation": self.job.validate_only,
                "isOnlyDbUpdates": False, "isReplayPreviouslyExecutedScripts": False,
                "projectNames": [self.job.project], "tenantMode": "Current"}
        self._check(self._post("/CustomizationApi/publishBegin", body, step="publishBegin"), "publishBegin")
        self.report("validation started" if self.job.validate_only else "publishing started")
        return self._wait()

    def _wait(self) -> list[str]:
        deadline = time.monotonic() + self.job.max_wait
        polls = 0
        while True:
            polls += 1
            try:
                body = self._check(self._post("/CustomizationApi/publishEnd", {}, step="publishEnd"), "publishEnd")
            except PublishError as exc:
                if exc.exit_code not in (ExitCode.PUBLISH_UNREACHABLE, ExitCode.PUBLISH_TIMEOUT):
                    raise
                body = None  # the site restarts while publishing: keep polling
            if isinstance(body, dict) and body.get("isCompleted"):
                if body.get("isFailed"):
                    raise PublishError(ExitCode.PUBLISH_FAILED, "publishing failed", "read the log lines above",
                                       log_lines(body, ("error", "warning")))
                return log_lines(body, ("warning",))
            if time.monotonic() >= deadline:
                raise PublishError(ExitCode.PUBLISH_TIMEOUT, f"publishing did not complete in {self.job.max_wait:g} s",
                                   "see Customization Projects (SM204505) on the instance; raise --max-wait for a "
                                   "slow instance")
            self.report(f"waiting for publishEnd (check {polls})")
            self.job.sleep(self.job.poll_interval)


def run(job: PublishJob, creds: Credentials, report: Report,
        signed_in: Callable[[], None] = lambda: None) -> list[str]:
    """Sign in, import, publish (or validate), sign out; the publish log's warnings. signed_in
    is called once the instance accepted the user: the URL and tenant are then proved."""
    with Client(job, creds, report) as client:
        signed_in()
        client.import_package()
        return client.publish()


def dry_run(job: PublishJob, creds: Credentials) -> list[dict[str, Any]]:
    """Every request publish would send, secrets masked; nothing is sent."""
    login: dict[str, Any] = {"name": creds.username, "password": "****"}
    if job.tenant:
        login["tenant"] = job.tenant
    content = f"<{len(base64.b64encode(job.package))} characters of Base64: the package, {len(job.package)} bytes>"
    return [
        {"method": "POST", "url": f"{job.url}/entity/auth/login", "body": login},
        {"method": "POST", "url": f"{job.url}/CustomizationApi/import",
         "body": {"projectLevel": 0, "isReplaceIfExists": True, "projectName": job.project,
                  "projectDescription": job.description, "projectContentBase64": content}},
        {"method": "POST", "url": f"{job.url}/CustomizationApi/publishBegin",
         "body": {"isMergeWithExistingPackages": True, "isOnlyValidation": job.validate_only,
                  "isOnlyDbUpdates": False, "isReplayPreviouslyExecutedScripts": False,
                  "projectNames": [job.project], "tenantMode": "Current"}},
        {"method": "POST", "url": f"{job.url}/CustomizationApi/publishEnd", "body": {},
         "note": "repeated until isCompleted"},
        {"method": "POST", "url": f"{job.url}/entity/auth/logout", "body": None},
    ]


def describe(requests_out: list[dict[str, Any]]) -> str:
    return "\n".join(f"{r['method']} {r['url']}\n{json.dumps(r['body'], indent=2) if r['body'] is not None else ''}"
                     + (f"  ({r['note']})" if r.get("note") else "") for r in requests_out)
