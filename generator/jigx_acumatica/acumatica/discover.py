"""discover: a table definition proposed from the instance's own schema (DAC-based OData
$metadata): the key (a natural code rather than a surrogate id), typed columns, `modified`, the
truth of `deleted_flag`, and the `on` pairs of joins from the DAC's navigation properties. A
starting point the consultant edits: comments say what was chosen and why."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import naming
from ..errors import InputError
from ..templates import render
from .dac_metadata import DELETED_FIELD, Dac, Schema

TEMPLATE = "discovered-definition.yaml.j2"
TYPES = {"Edm.String": "string", "Edm.Int16": "int", "Edm.Int32": "int", "Edm.Int64": "int", "Edm.Byte": "int",
         "Edm.Decimal": "decimal", "Edm.Double": "decimal", "Edm.Single": "decimal", "Edm.Boolean": "bool",
         "Edm.DateTimeOffset": "datetime", "Edm.DateTime": "datetime", "Edm.Date": "date", "Edm.Guid": "guid"}
SYSTEM = {"CreatedByID", "CreatedByScreenID", "CreatedDateTime", "LastModifiedByID", "LastModifiedByScreenID",
          "LastModifiedDateTime", "tstamp", "Secured", "Included", "Selected", DELETED_FIELD, *naming.NOTE_FIELDS}
READABLE = re.compile(r"Name|Descr|Status|Type|Class|Email|EMail|Phone|Date|Amt|Amount|Total|Qty|Price|Balance|"
                      r"City|Country|Nbr|Ref", re.I)
PICKED = 10  # columns of the main DAC beyond its key, unless --all-columns
PICKED_JOINED = 2


@dataclass
class Column:
    name: str
    alias: str
    field: str
    type: str


@dataclass
class JoinProposal:
    dac: str
    alias: str
    on: list[tuple[str, str]]
    why: str


@dataclass
class Proposal:
    dac: Dac
    alias: str
    entity: str
    table: str
    key: list[str]
    key_why: str
    columns: list[Column] = field(default_factory=list)
    joins: list[JoinProposal] = field(default_factory=list)
    modified: str | None = "LastModifiedDateTime"

    @property
    def deleted_flag(self) -> bool:
        return self.dac.keeps_deleted_rows


def find(schema: Schema, name: str) -> Dac:
    dac = schema.dac(name)
    if dac is not None:
        return dac
    many = schema.ambiguous(name)
    if len(many) > 1:
        raise InputError(f"'{name}' is the short name of {len(many)} DACs: {', '.join(many)}",
                         hint="give the full name, e.g. " + many[0])
    close = schema.close_to(name)
    raise InputError(f"the instance has no DAC '{name}'", hint=f"did you mean {close}?" if close else
                     "give the DAC's full name (as PX.Objects.AR.Customer) or its short name")


def natural_key(dac: Dac) -> tuple[list[str], str]:
    """The DAC's key, or its natural code where the key is a surrogate integer id: the code is
    what a person reads, what a push carries for a selector, and stable across instances."""
    keys = dac.keys
    surrogate = len(keys) == 1 and dac.props.get(keys[0], "").startswith("Edm.Int") and keys[0].endswith("ID")
    if not surrogate:
        return keys, f"the DAC's key on the instance ({', '.join(keys)})"
    stem = keys[0][:-2]
    codes = [p for p, t in dac.props.items() if p.endswith("CD") and t == "Edm.String"]
    chosen = next((c for c in codes if c == f"{stem}CD"), None) or (codes[0] if len(codes) == 1 else None)
    if chosen is None:
        return keys, f"the DAC's key on the instance ({keys[0]}, a surrogate id: no single code field found)"
    return [chosen], f"the natural code {chosen}: the instance's key {keys[0]} is a surrogate integer id"


def _columns(dac: Dac, alias: str, *, take: int | None, taken: set[str], keys: list[str]) -> list[Column]:
    out: list[Column] = []
    for name in keys:
        out.append(Column(name, alias, name, TYPES.get(dac.props[name], "string")))
        taken.add(name)
    picked = 0
    for name, edm in dac.props.items():
        if name in keys or name in SYSTEM or edm not in TYPES or not naming.COLUMN_RE.match(name):
            continue
        if take is not None and (picked >= take or not READABLE.search(name)):
            continue
        column = name if name not in taken else f"{alias}{name}"
        if column in taken or column.lower() == "id":
            continue
        taken.add(column)
        out.append(Column(column, alias, name, TYPES[edm]))
        picked += 1
    return out


def _join(schema: Schema, main: Dac, alias: str, name: str) -> tuple[Dac, JoinProposal]:
    other = find(schema, name)
    other_alias = other.name.rsplit(".", 1)[-1]
    if other_alias == alias:
        other_alias += "2"
    for nav, target, pairs in main.navs:
        if target == other.name and pairs:
            return other, JoinProposal(other.name, other_alias, [(f"{alias}.{a}", f"{other_alias}.{b}")
                                                                 for a, b in pairs],
                                       f"from {main.name}'s navigation property {nav}")
    for nav, target, pairs in other.navs:
        if target == main.name and pairs:
            return other, JoinProposal(other.name, other_alias, [(f"{alias}.{b}", f"{other_alias}.{a}")
                                                                 for a, b in pairs],
                                       f"from {other.name}'s navigation property {nav}")
    raise InputError(f"the instance's schema links {main.name} and {other.name} by no navigation property",
                     hint="join them by hand in the definition (joins: with on: pairs), or join a DAC that links")


def propose(schema: Schema, dac_name: str, *, joins: tuple[str, ...] = (), all_columns: bool = False) -> Proposal:
    dac = find(schema, dac_name)
    short = dac.name.rsplit(".", 1)[-1]
    key, why = natural_key(dac)
    entity = short if naming.ENTITY_RE.match(short) else "Row"
    plural = naming.kebab(short) + ("" if naming.kebab(short).endswith("s") else "s")
    proposal = Proposal(dac, short, entity, naming.propose_table_name(plural), key, why,
                        modified="LastModifiedDateTime" if "LastModifiedDateTime" in dac.props else None)
    taken: set[str] = set()
    proposal.columns = _columns(dac, short, take=None if all_columns else PICKED, taken=taken, keys=key)
    for name in joins:
        other, join = _join(schema, dac, short, name)
        proposal.joins.append(join)
        proposal.columns += _columns(other, join.alias, take=None if all_columns else PICKED_JOINED, taken=taken,
                                     keys=[])
    return proposal


def definition_text(p: Proposal, source: str) -> str:
    return render(TEMPLATE, p=p, source=source, deleted_field=DELETED_FIELD)
