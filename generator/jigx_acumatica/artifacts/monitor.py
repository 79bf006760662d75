"""The failed-push inquiry (monitor: true): Acumatica's own documented way to watch failed push
notifications is an inquiry over the DAC behind Process Push Notifications (SM502000),
PX.PushNotifications.UI.DAC.PushNotificationsFailedToSend, which holds every destination's
failures of the last two days (docs/platform-facts.md, "Failed pushes"). Joined to the destination
(PushNotificationsHook) for its name and address, never its header value (it holds the PAT);
exposed over OData, for monitor and status to read, and in each tenant's package."""

from __future__ import annotations

from functools import lru_cache

from ..definition import TableDef

INQUIRY = "Jigx CDC failed pushes"
TABLE = "jigx-failed-pushes"
KEY = "monitor"  # its name among the package's inquiries
DEFINITION = """entity: FailedPush
table: {table}
inquiry: {inquiry}
source:
  dac: PX.PushNotifications.UI.DAC.PushNotificationsFailedToSend
  alias: Failed
  modified: TimeStamp            # when Acumatica tried to send (.NET ticks; how OData renders it is not documented)
  deleted_flag: false
joins:
  - dac: PX.PushNotifications.UI.DAC.PushNotificationsHook
    alias: Hook
    type: left
    on: [[Failed.HookId, Hook.HookId]]
key: [FailureID]
columns:
  FailureID: {{field: Failed.Id, type: guid}}
  TransactionID: {{field: Failed.TransactionId, type: guid}}
  Destination: Hook.Name
  Address: Hook.Address
  SourceName: Failed.Source
  Error: Failed.ErrorMessage
  Truncated: {{field: Failed.Truncated, type: bool}}
  FailedAt: Failed.TimeStamp
odata: true
screen_id: {screen_id}
"""


@lru_cache(maxsize=4)
def monitor_definition(screen_id: str) -> TableDef:
    from ..definition.check import check_definition
    from ..yamlio import load_screened

    text = DEFINITION.format(table=TABLE, inquiry=INQUIRY, screen_id=screen_id)
    return check_definition(load_screened(text, "monitor"), "monitor", text)


def monitor_xml(screen_id: str) -> str:
    from . import inquiry
    from .provenance import with_header

    return with_header("generic-inquiry.xml", inquiry.render_xml(inquiry.build(monitor_definition(screen_id))), None)
