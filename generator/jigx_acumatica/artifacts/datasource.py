"""datasources/<table>.jigx: a SQLite datasource over the Dynamic Data table, one column per caption."""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from ..definition import TableDef
from ..yamlio import dump


def render_datasource(defn: TableDef) -> str:
    columns = [c.name for c in defn.columns] + ["_tab", "_del", "_mod"]
    select = ",\n".join(f"  json_extract(data, '$.{name}') AS {name}" for name in columns)
    query = f"SELECT\n  id,\n{select}\nFROM [default/{defn.table}]\n"
    doc = CommentedMap()
    doc["type"] = "datasource.sqlite"
    options = CommentedMap()
    options["provider"] = "DATA_PROVIDER_DYNAMIC"
    options["entities"] = CommentedSeq([f"default/{defn.table}"])
    options["query"] = LiteralScalarString(query)
    doc["options"] = options
    doc.yaml_set_start_comment(f"Rows pushed by Acumatica to the Dynamic Data table {defn.table}. "
                               "Regenerate instead of editing.")
    return dump(doc)
