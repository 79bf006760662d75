"""Jigx's Data API, the part a reader needs: list a table's rows page by page, get and delete
rows by id, read the database. Shapes and routes are those of Jigx's own OpenAPI export
(docs/platform-facts.md, "Jigx's Data API"); through the one HTTP layer (transport.py).

Not documented, so configurable or explained rather than assumed: the Data API's host (default:
the CDC endpoint's base URL with /data, as the exports' paths have it; `dataApiUrl` overrides),
whether it accepts a Personal Access Token (a 401/403 says so, and what still works without it),
the page size's limits (`limit` 500 is what Jigx's own client asks for), and whether `count` is
the page's or the table's (rows are counted here, never taken from `count`).

Imports requests: only commands that read Jigx load this module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from ..config import Target
from ..errors import ExitCode, ToolError
from ..transport import NetworkError, Policy, Redactor, request, server_message

PAGE = 500  # rows asked for per page (Jigx's own client's maximum)
BULK = 100  # row ids per bulk delete (the real maximum is not documented)
DATA_POLICY = Policy(timeout=30.0, retries=4)
WITHOUT_IT = ("pushes do not need the Data API: verify's pushes, backfill and publish still work; what needs "
              "it is reading rows back (verify's read-back and --probe, reconcile)")


class DataApiError(ToolError):
    def __init__(self, code: ExitCode, message: str, hint: str, *, status: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = code
        self.status = status


@dataclass(frozen=True)
class Row:
    rid: str
    content: dict[str, Any]
    updated_at: str = ""


def data_base(cdc_base: str, configured: str | None = None) -> str:
    """The Data API's base: the configured one, else the CDC endpoint's base URL with /data."""
    return (configured or f"{cdc_base.rstrip('/')}/data").rstrip("/")


class DataApi:
    """One solution's default database. Use as a context manager (one session, closed after)."""

    def __init__(self, base: str, organization_id: str, solution_id: str, token: str, *,
                 policy: Policy = DATA_POLICY, session: requests.Session | None = None) -> None:
        self.root = (f"{base}/organizations/{quote(organization_id, safe='')}/solutions/"
                     f"{quote(solution_id, safe='')}/databases/default")
        self.token, self.policy = token, policy
        self.session = session or requests.Session()
        self.redact = Redactor(token)

    @classmethod
    def for_target(cls, target: Target, token: str, *, policy: Policy = DATA_POLICY,
                   session: requests.Session | None = None, configured: str | None = None) -> DataApi:
        """The Data API of the solution a target names: its base (dataApiUrl, else the endpoint's
        base URL with /data) and ids."""
        return cls(data_base(target.base() or "", configured), target.organization_id or "",
                   target.solution_id or "", token, policy=policy, session=session)

    def __enter__(self) -> DataApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    # --- reading ----------------------------------------------------------------------------------

    def pages(self, table: str, limit: int = PAGE) -> Iterator[list[Row]]:
        """The table's rows, a page at a time, until the answer has no continuationToken."""
        token: str | None = None
        while True:
            params = {"limit": str(limit), **({"continuationToken": token} if token else {})}
            data = self._json("GET", f"/tables/{quote(table, safe='')}/rows", table, params=params)
            items = data.get("items") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise self._bad(table, "a list of rows without 'items'")
            yield [self._row(item, table) for item in items]
            token = data.get("continuationToken")
            if not token:
                return
            if not isinstance(token, str):
                raise self._bad(table, "a continuationToken that is not text")

    def rows(self, table: str, limit: int = PAGE) -> Iterator[Row]:
        for page in self.pages(table, limit):
            yield from page

    def get(self, table: str, rid: str) -> Row | None:
        try:
            data = self._json("GET", f"/tables/{quote(table, safe='')}/rows/{quote(rid, safe='')}", table)
        except DataApiError as exc:
            if exc.status == 404:
                return None
            raise
        return self._row(data, table)

    def database(self) -> dict[str, Any]:
        data = self._json("GET", "", None)
        if not isinstance(data, dict):
            raise self._bad(None, "a database answer that is not an object")
        return data

    # --- deleting ---------------------------------------------------------------------------------

    def delete(self, table: str, rid: str) -> bool:
        """Whether the row was there to delete (a 404 says it was not)."""
        try:
            self._call("DELETE", f"/tables/{quote(table, safe='')}/rows/{quote(rid, safe='')}", table)
        except DataApiError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def delete_many(self, table: str, rids: list[str]) -> None:
        for i in range(0, len(rids), BULK):
            self._call("DELETE", f"/tables/{quote(table, safe='')}/rows", table, json={"rids": rids[i:i + BULK]})

    # --- the wire ---------------------------------------------------------------------------------

    def _call(self, method: str, tail: str, table: str | None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        url = self.root + tail
        try:
            answer = request(self.session, method, url, self.policy, idempotent=method == "GET", headers=headers,
                             **kwargs)
        except NetworkError as exc:
            raise DataApiError(ExitCode.DATA_UNREACHABLE, f"could not reach Jigx's Data API ({exc.kind}: "
                               f"{exc.detail})", "check the network and the base URL (or dataApiUrl in "
                               "jigx-acumatica.yaml)") from None
        if 200 <= answer.status < 300:
            return answer
        raise self._status_error(answer.status, server_message(answer.text), table, answer.gave_up)

    def _json(self, method: str, tail: str, table: str | None, **kwargs: Any) -> Any:
        answer = self._call(method, tail, table, **kwargs)
        data = answer.json()
        if data is None:
            raise self._bad(table, "an answer that is not JSON")
        return data

    def _status_error(self, status: int, message: str, table: str | None, gave_up: float | None) -> DataApiError:
        said = f" (it said: {self.redact(message)})" if message and message != "(empty body)" else ""
        where = f" for '{table}'" if table else ""
        if status in (401, 403):
            return DataApiError(ExitCode.DATA_AUTH, f"Jigx's Data API refused the token{where}: HTTP {status}{said}",
                                "whether the Data API accepts a Personal Access Token is not documented (its "
                                "export names its own scheme); try a token made for the REST API with "
                                f"JIGX_DATA_TOKEN. Meanwhile {WITHOUT_IT}", status=status)
        if status == 404:
            return DataApiError(ExitCode.DATA_NOT_FOUND, f"the Data API has no such table, organization or solution"
                                f"{where}: HTTP 404{said}", "check the table is declared in databases/default.jigx "
                                "and the solution published since; the Data API's regional host is not documented, "
                                "so if pushes work, set dataApiUrl in jigx-acumatica.yaml", status=status)
        if status == 429 or status >= 500:
            waited = f"; it asked to wait {gave_up:.0f} s, longer than the tool waits" if gave_up else ""
            return DataApiError(ExitCode.DATA_UNAVAILABLE, f"the Data API is busy or down{where}: HTTP {status} "
                                f"after the retries{waited}{said}", "try again later", status=status)
        return DataApiError(ExitCode.DATA_BAD_ANSWER, f"the Data API answered HTTP {status}{where}{said}",
                            "check the base URL (dataApiUrl); this status is not retried", status=status)

    def _bad(self, table: str | None, what: str) -> DataApiError:
        where = f" for '{table}'" if table else ""
        return DataApiError(ExitCode.DATA_BAD_ANSWER, f"the Data API sent {what}{where}",
                            "check the base URL (dataApiUrl): it may not be Jigx's Data API")

    def _row(self, item: Any, table: str) -> Row:
        if not isinstance(item, dict) or not isinstance(item.get("rid"), str):
            raise self._bad(table, "a row without its rid")
        content = item.get("content", item.get("data"))  # the export says content; Jigx's own client, data
        if not isinstance(content, dict):
            raise self._bad(table, "a row whose content is not an object")
        updated = item.get("updatedAt")
        return Row(item["rid"], content, updated if isinstance(updated, str) else "")
