"""The package's rooms and their order: a module may import only from its own room or from rooms
below it, and every module imports on its own (no import cycle hides behind another import)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "generator" / "jigx_acumatica"

# The order of the rooms, lowest first: written once, here. A top-level module is a room of its own.
LAYERS: list[set[str]] = [
    {"errors"},
    {"naming", "fsutil", "layout"},
    {"yamlio", "templates", "schema", "transport"},
    {"setting_checks"},
    {"config"},
    {"definition"},
    {"tenancy"},
    {"push_contract"},
    {"rows"},
    {"artifacts"},
    {"solution"},
    {"acumatica", "jigx"},
    {"local"},
    {"backfill"},
    {"reconcile"},
    {"status"},
    {"cli"},
    {"__init__", "__main__"},
]
RANK = {room: n for n, rooms in enumerate(LAYERS) for room in rooms}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def room_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def dotted(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(["jigx_acumatica", *parts])


def imported_rooms(path: Path) -> set[str]:
    """Every room this module imports from, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = dotted(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[: len(here) - (node.level - 1)]
            target = [*base, *(node.module.split(".") if node.module else [])]
            if len(target) == 1:  # from . import x: x is the room
                out.update(a.name for a in node.names)
            else:
                out.add(target[1])
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            out.update(n.split(".")[1] for n in names if n.startswith("jigx_acumatica."))
    return out


def test_every_module_is_in_a_room_of_the_order():
    unplaced = sorted({room_of(p) for p in modules()} - set(RANK))
    assert not unplaced, f"rooms missing from LAYERS: {unplaced}"


def test_no_module_imports_from_a_higher_room():
    wrong = []
    for path in modules():
        room = room_of(path)
        for other in imported_rooms(path):
            if other in RANK and other != room and RANK[other] > RANK[room]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports from {other}")
    assert not wrong, "\n".join(wrong)


def test_rooms_of_one_rank_do_not_import_each_other():
    """acumatica/ and jigx/ sit side by side: neither talks through the other."""
    wrong = [f"{p.relative_to(PACKAGE)} imports {o}" for p in modules() for o in imported_rooms(p)
             if o in RANK and o != room_of(p) and RANK[o] == RANK[room_of(p)]]
    assert not wrong, "\n".join(wrong)


def test_every_module_imports_alone():
    """Each module imported first, in a fresh interpreter state: a cycle shows as an ImportError."""
    names = [dotted(p) for p in modules() if p.name != "__main__.py"]
    code = ("import importlib, sys\nfailed = []\nfor name in sys.argv[1:]:\n"
            "    for m in [m for m in sys.modules if m.startswith('jigx_acumatica')]:\n        del sys.modules[m]\n"
            "    try:\n        importlib.import_module(name)\n"
            "    except Exception as exc:\n        failed.append(f'{name}: {exc!r}')\n"
            "print('\\n'.join(failed))\nsys.exit(1 if failed else 0)\n")
    p = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_the_development_guide_names_every_module():
    guide = (PACKAGE.parent.parent / "docs" / "development.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().strip("`"): line for line in guide.splitlines() if line.startswith("| `")}
    missing = []
    for path in modules():
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) == 1:
            if rel.name not in rows:
                missing.append(rel.as_posix())
        else:
            row = rows.get(f"{rel.parts[0]}/", "")
            if path.name != "__init__.py" or "__init__" in row:
                if f"`{path.name}`" not in row and not (path.name == "__init__.py"):
                    missing.append(rel.as_posix())
    assert not missing, f"docs/development.md does not name: {missing}"
