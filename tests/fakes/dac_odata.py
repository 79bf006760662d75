"""DAC-based OData's $metadata in its documented shape (docs/platform-facts.md, "OData"; the real
excerpt in the reference): one Schema per DAC namespace, an EntityType per DAC with Key/PropertyRef,
Edm-typed Properties, NavigationProperties with ReferentialConstraints, BaseType on derived DACs
(which list only what they add), DeletedDatabaseRecord on DACs whose table keeps deleted rows, and
the container's EntitySets at the end. Served, with Basic authentication, by a FakeAcumatica."""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from xml.sax.saxutils import quoteattr

AUDIT = [("CreatedByID", "Edm.Guid"), ("CreatedDateTime", "Edm.DateTimeOffset"), ("LastModifiedByID", "Edm.Guid"),
         ("LastModifiedDateTime", "Edm.DateTimeOffset"), ("tstamp", "Edm.Binary"), ("NoteID", "Edm.Guid")]


@dataclass
class DacType:
    name: str  # full name
    keys: list[str] = field(default_factory=list)
    props: list[tuple[str, str]] = field(default_factory=list)
    base: str | None = None
    navs: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)
    keeps_deleted: bool = False


def standard() -> list[DacType]:
    """BAccount, Customer (derived, keeps deleted rows), Contact (does not, on this instance),
    SOOrder (a composite natural key), INSite (a surrogate SiteID beside SiteCD)."""
    return [
        DacType("PX.Objects.CR.BAccount", ["BAccountID"],
                [("BAccountID", "Edm.Int32"), ("AcctCD", "Edm.String"), ("AcctName", "Edm.String"),
                 ("Status", "Edm.String"), ("Type", "Edm.String"), ("DefContactID", "Edm.Int32"), *AUDIT],
                navs=[("ContactByDefContactID", "PX.Objects.CR.Contact", [("DefContactID", "ContactID")])]),
        DacType("PX.Objects.AR.Customer", [], [("CustomerClassID", "Edm.String"), ("CreditLimit", "Edm.Decimal")],
                base="PX.Objects.CR.BAccount", keeps_deleted=True),
        DacType("PX.Objects.CR.Contact", ["ContactID"],
                [("ContactID", "Edm.Int32"), ("DisplayName", "Edm.String"), ("EMail", "Edm.String"),
                 ("Phone1", "Edm.String"), ("BAccountID", "Edm.Int32"), *AUDIT]),
        DacType("PX.Objects.SO.SOOrder", ["OrderType", "OrderNbr"],
                [("OrderType", "Edm.String"), ("OrderNbr", "Edm.String"), ("Status", "Edm.String"),
                 ("OrderDate", "Edm.DateTimeOffset"), ("CustomerID", "Edm.Int32"), ("OrderQty", "Edm.Decimal"),
                 ("CuryOrderTotal", "Edm.Decimal"), *AUDIT],
                navs=[("CustomerByCustomerID", "PX.Objects.AR.Customer", [("CustomerID", "BAccountID")])],
                keeps_deleted=True),
        DacType("PX.Objects.IN.INSite", ["SiteID"],
                [("SiteID", "Edm.Int32"), ("SiteCD", "Edm.String"), ("Descr", "Edm.String"), ("Active", "Edm.Boolean"),
                 *AUDIT]),
    ]


def metadata_xml(types: list[DacType]) -> bytes:
    by_namespace: dict[str, list[DacType]] = defaultdict(list)
    for t in types:
        by_namespace[t.name.rsplit(".", 1)[0]].append(t)
    edm = 'xmlns="http://docs.oasis-open.org/odata/ns/edm"'
    out = ['<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" '
           'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>',
           f'<Schema Namespace="PX.Api.OData.DAC" Alias="px" {edm}><ComplexType Name="DeletedRecordResult">'
           '<Property Name="RefNoteID" Type="Edm.Guid" /><Property Name="DeleteDate" Type="Edm.DateTimeOffset" />'
           '</ComplexType></Schema>']
    for namespace, members in sorted(by_namespace.items()):
        out.append(f"<Schema Namespace={quoteattr(namespace)} {edm}>")
        for t in members:
            short = t.name.rsplit(".", 1)[1]
            base = f" BaseType={quoteattr(t.base)}" if t.base else ""
            out.append(f"<EntityType Name={quoteattr(short)}{base}>")
            if t.keys:
                out.append("<Key>" + "".join(f"<PropertyRef Name={quoteattr(k)} />" for k in t.keys) + "</Key>")
            for name, kind in t.props:
                out.append(f"<Property Name={quoteattr(name)} Type={quoteattr(kind)} />")
            if t.keeps_deleted:
                out.append('<Property Name="DeletedDatabaseRecord" Type="Edm.Boolean" Nullable="false" />')
            for name, target, pairs in t.navs:
                out.append(f"<NavigationProperty Name={quoteattr(name)} Type={quoteattr(target)}>" + "".join(
                    f"<ReferentialConstraint Property={quoteattr(a)} ReferencedProperty={quoteattr(b)} />"
                    for a, b in pairs) + "</NavigationProperty>")
            out.append("</EntityType>")
        out.append("</Schema>")
    sets = "".join(f'<EntitySet Name="{t.name.replace(".", "_")}" EntityType="{t.name}" />' for t in types)
    out.append(f'<Schema Namespace="Default" {edm}><EntityContainer Name="Default">{sets}</EntityContainer></Schema>'
               "</edmx:DataServices></edmx:Edmx>")
    return "\n".join(out).encode()


def serve_metadata(fake, tenant: str, body: bytes, *, status: int = 200) -> list[int]:
    """Answer <fake>/t/<tenant>/api/odata/dac/$metadata with Basic authentication; returns the
    list that counts the reads."""
    reads: list[int] = []
    expected = "Basic " + base64.b64encode(f"{fake.username}:{fake.password}".encode()).decode()

    def handle(h: BaseHTTPRequestHandler, _body) -> None:
        reads.append(1)
        code, data, kind = status, body, "application/xml"
        if h.headers.get("Authorization") != expected:
            code, kind = 401, "application/json"
            data = b'{"message": "Authorization has been denied for this request."}'
        elif status != 200:
            data, kind = b'{"message": "not found"}', "application/json"
        h.send_response(code)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    fake.extra[f"/t/{tenant}/api/odata/dac/$metadata"] = handle
    return reads
