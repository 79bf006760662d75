"""What is known about Acumatica DACs that changes what an inquiry pushes.

Source for every entry: docs/platform-facts.md, "What Acumatica sends" (the 2025 R2
PX.Data generic-inquiry graph, GetDeletedDatabaseRecord, and ~1,700 real GIDesign exports).
A DAC in neither table is unknown: the definition must say, and the tool warns."""

from __future__ import annotations

from typing import Literal

# DACs whose database table keeps deleted rows, so SM208000 offers DeletedDatabaseRecord, with
# the spelling the designer uses: lowerCamel where the DAC declares the field (Contact), else
# PascalCase (the designer's name for the database column; lookup ignores case).
KEEPS_DELETED_ROWS: dict[str, str] = {
    "PX.Objects.CR.Contact": "deletedDatabaseRecord",
    "PX.Objects.IN.InventoryItem": "DeletedDatabaseRecord",
    "PX.Objects.AR.ARRegister": "DeletedDatabaseRecord",
    "PX.Objects.AR.ARInvoice": "DeletedDatabaseRecord",
    "PX.Objects.AR.ARPayment": "DeletedDatabaseRecord",
    "PX.Objects.CR.CRActivity": "DeletedDatabaseRecord",
}

# No source says that a DAC's table drops deleted rows: the engine's few declarations, a SQL view
# and one live $metadata name tables that keep them, and Acumatica's own DAC-based OData example
# reads DeletedDatabaseRecord on Customer. So every DAC outside KEEPS_DELETED_ROWS is unknown,
# and the instance settles it (SETTLE_DELETED_ROWS).
SETTLE_DELETED_ROWS = ("does Generic Inquiry (SM208000) offer DeletedDatabaseRecord among the table's fields "
                       "(or, from 2025 R1, does <instance>/t/<tenant>/api/odata/dac/$metadata list it on the DAC)?")

# DACs that are BAccount rows: their LastModifiedDateTime is BAccount's, so changes to fields kept
# on their own table alone (Customer.CreditLimit) may not bump it.
BACCOUNT_BASED: frozenset[str] = frozenset({
    "PX.Objects.CR.BAccount", "PX.Objects.AR.Customer", "PX.Objects.AP.Vendor", "PX.Objects.EP.EPEmployee",
})

# List (dropdown) fields: OData returns and filters them by their label ("Open", "Bill", "Active"),
# not the stored code, and whether it orders them by label is unknown, so they cannot be paged on
# (docs/platform-facts.md, "OData"). Each from a source: SOOrder.Status pushes "Open" for N;
# APInvoice.DocType filters as 'Bill'; InventoryItem.ItemStatus returns "Active". The AR and AP
# document types are the same kind of list. Any other field is not judged.
LIST_FIELDS: frozenset[tuple[str, str]] = frozenset({
    ("PX.Objects.SO.SOOrder", "status"),
    ("PX.Objects.AP.APInvoice", "doctype"), ("PX.Objects.AP.APRegister", "doctype"),
    ("PX.Objects.AR.ARInvoice", "doctype"), ("PX.Objects.AR.ARRegister", "doctype"),
    ("PX.Objects.IN.InventoryItem", "itemstatus"),
})


def is_list_field(dac: str, field: str) -> bool:
    return (dac, field.lower()) in LIST_FIELDS


DeletedRows = Literal["keeps", "unknown"]


def deleted_rows(dac: str) -> DeletedRows:
    return "keeps" if dac in KEEPS_DELETED_ROWS else "unknown"


def deleted_field(dac: str) -> str:
    """How the designer spells the deleted flag for this DAC."""
    return KEEPS_DELETED_ROWS.get(dac, "DeletedDatabaseRecord")
