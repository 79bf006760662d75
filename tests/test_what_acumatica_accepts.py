"""Issue 17: what a real Acumatica accepts. Every data set the tool writes is checked against the
attributes real exports of its declared relations-version carry (the table in
docs/platform-facts.md, read here), and the OData reader's rights are granted as real packages
grant them: one ScreenWithRights item per screen, View Only, never the universal role."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT, SAMPLE_FILES, cli

FIXTURE_DEFS = sorted((Path(__file__).parent / "fixtures" / "definitions").glob("*.yaml"))
# Test definitions that reach what the samples do not: a guid key, conditions of every shape
# (between uses Value2), two joins, and a table kept as deleted.
EXTRA_DEFS = {
    "activities.yaml": """entity: Activity
table: activities
source: {dac: PX.Objects.CR.CRActivity}
key: [ActivityID]
columns:
  ActivityID: {field: CRActivity.NoteID, type: guid}
  StartDate: {field: CRActivity.StartDate, type: datetime}
where:
  - {field: CRActivity.StartDate, op: between, value: ['2026-01-01', '2026-12-31']}
  - any:
      - {field: CRActivity.Subject, op: starts-with, value: Visit}
      - {field: CRActivity.Subject, op: is-empty}
odata: true
screen_id: GI990007
""",
}


def matrix() -> dict[tuple[str, str, str], tuple[str, str]]:
    """(data set, element, attribute or 'from -> to' link) -> (from version, gone-from version or '')."""
    text = (ROOT / "docs/platform-facts.md").read_text(encoding="utf-8")
    section = text.split("## What a data set of each version holds", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"\d{8}", cells[3]):
            data_set, element, name, first, gone, _evidence = cells
            rows[(data_set, element, name.strip("`"))] = (first, "" if gone == "-" else gone)
    assert len(rows) > 100, "the version table in docs/platform-facts.md could not be read"
    return rows


MATRIX = matrix()


def carried_at(key: tuple[str, str, str], version: str) -> bool:
    first, gone = MATRIX[key]
    return first <= version and (not gone or version < gone)


def written(data_set: ET.Element) -> tuple[str, str, set[tuple[str, str]]]:
    """(main table, relations-version, {(element, attribute or link)}) of one <data-set>."""
    rel = data_set.find("relations")
    assert rel is not None
    found = {("link", f"{link.get('from')} -> {link.get('to')}") for link in rel.iterfind("link")}

    def walk(element: ET.Element, table: str) -> None:
        rows = element.findall("row")
        if rows:  # a container of one table's rows (its linkname says which relation)
            for row in rows:
                found.update((table, a) for a in row.attrib)
                for child in row:
                    walk(child, child.tag)
            return
        found.update((table, a) for a in element.attrib)  # a nested row of a child table
        for child in element:
            walk(child, child.tag)

    data = data_set.find("data")
    assert data is not None
    for container in data:
        walk(container, container.tag)
    return rel.get("main-table") or "", rel.get("relations-version") or "", found


def check_against_real_exports(data_set: ET.Element, where: str) -> None:
    main, version, found = written(data_set)
    assert re.fullmatch(r"\d{8}", version), where
    for element, name in sorted(found):
        key = (main, element, name)
        assert key in MATRIX, f"{where}: {element} {name} is in no real export the table knows"
        assert carried_at(key, version), f"{where}: real {version} exports do not carry {element} {name}"
    # what marks a version is there when the version carries it
    links = {n for e, n in found if e == "link"}
    for (m, element, name), _ in MATRIX.items():
        if m == main and element == "link" and carried_at((m, element, name), version) and "Navigation" in name:
            assert name in links, f"{where}: a {version} data set links {name}"


def solution_of(folder: Path, definitions: list[Path]) -> Path:
    app = folder / "app"
    r = cli("init", app, *[a for p in definitions for a in ("--table", p)])
    assert r.exit_code == 0, r.output
    (app / "jigx-acumatica.yaml").write_text((app / "jigx-acumatica.yaml").read_text() + "odataRole: Jigx OData\n")
    assert cli("generate", "--solution", app).exit_code == 0
    return app


@pytest.fixture(scope="module")
def solutions(tmp_path_factory) -> list[Path]:
    """The samples with the extra test definitions, and the fixture definitions (which reuse
    sample table names, so they live in a solution of their own)."""
    base = tmp_path_factory.mktemp("truth")
    extra = []
    for name, text in EXTRA_DEFS.items():
        (base / name).write_text(text)
        extra.append(base / name)
    return [solution_of(base / "samples", SAMPLE_FILES + extra), solution_of(base / "fixtures", FIXTURE_DEFS)]


@pytest.fixture(scope="module")
def solution(solutions) -> Path:
    return solutions[0]


def project(app: Path) -> ET.Element:
    with zipfile.ZipFile(app / "acumatica/jigx-cdc.zip") as zf:
        return ET.fromstring(zf.read("project.xml"))


def test_every_inquiry_holds_only_what_real_exports_of_its_version_hold(solutions, solution):
    inquiries = sorted(p for app in solutions for p in app.glob("acumatica/*/generic-inquiry.xml"))
    assert len(inquiries) == len(SAMPLE_FILES) + len(FIXTURE_DEFS) + len(EXTRA_DEFS)
    for path in inquiries:
        check_against_real_exports(ET.parse(path).getroot(), str(path))
    text = (solution / "acumatica/activities/generic-inquiry.xml").read_text()
    assert "Value2=" in text and "Expanded=" not in text and "IsFolder=" not in text


def test_every_data_set_of_the_package_holds_only_what_real_exports_hold(solutions):
    for app in solutions:
        root = project(app)
        assert {item.tag for item in root} <= {"GenericInquiryScreen", "ScreenWithRights"}
        assert root.find("GenericInquiryScreen") is not None
        for n, item in enumerate(root):
            (data_set,) = item.findall("data-set")
            check_against_real_exports(data_set, f"{app}: project.xml item {n + 1} ({item.tag})")
    assert project(solutions[0]).find("ScreenWithRights") is not None


def test_a_version_table_entry_that_real_exports_lack_is_caught():
    """The check itself can fail: a 20210430 site map row with the older Expanded column, a
    20201113 data set with the GINavigationCondition link, a made-up attribute."""
    xml = (ROOT / "tests/golden/solution/acumatica/customers/generic-inquiry.xml").read_text()
    for bad, said in ((xml.replace('ScreenID="GI990001"', 'Expanded="0" ScreenID="GI990001"'), "do not carry"),
                      (xml.replace('relations-version="20210430"', 'relations-version="20201113"'), "do not carry"),
                      (xml.replace('FilterColCount="3"', 'FilterColCount="3" Shiny="1"'), "in no real export")):
        with pytest.raises(AssertionError, match=said):
            check_against_real_exports(ET.fromstring(bad.split("-->", 1)[-1].strip()), "bad")


def test_notes_are_not_attached_and_the_pinned_screen_is_nested(solutions):
    for path in (p for app in solutions for p in app.glob("acumatica/*/generic-inquiry.xml")):
        design = ET.parse(path).getroot().find("data/GIDesign/row")
        assert design is not None and design.get("NotesAndFilesTable") == "$<None>", path
        assert 'NotesAndFilesTable="$&lt;None&gt;"' in path.read_text()
        for screen in design.iterfind("SiteMap/row/MUIScreen"):
            (pin,) = screen.findall("MUIPinnedScreen")
            assert pin.attrib == {"IsPortal": "0", "Username": "", "IsPinned": "1"}


def test_the_reader_role_gets_view_only_on_each_odata_screen_and_nothing_else(solution):
    root = project(solution)
    screens = {}
    for item in root.iterfind("GenericInquiryScreen"):
        design = item.find("data-set/data/GIDesign/row")
        assert design is not None
        for row in design.iterfind("SiteMap/row"):
            screens[row.get("ScreenID")] = (row.get("NodeID"), row.get("Url"), row.get("Title"), row.get("ParentID"))
            assert design.get("ExposeViaOData") == "1"
    assert set(screens) == {"GI990001", "GI990007"}  # the inquiries exposed over OData
    granted = {}
    for item in root.iterfind("ScreenWithRights"):
        assert item.get("IsResetPermissions") == "False"  # every other role's rights stay as they are
        (row,) = item.findall("data-set/data/SiteMap/row")
        rights = [r.attrib for r in row.iterfind("RolesInGraph")]
        assert rights == [{"Rolename": "Jigx OData", "ApplicationName": "/", "Accessrights": "1"}]
        (role,) = item.findall("data-set/data/Roles/row")
        assert role.get("Rolename") == "Jigx OData" and role.get("Guest") == "0"
        granted[row.get("ScreenID")] = (row.get("NodeID"), row.get("Url"), row.get("Title"), row.get("ParentID"))
    assert granted == screens  # the same node as the inquiry's site map row, one item per screen
    assert 'Rolename="*"' not in ET.tostring(root, encoding="unicode")


def test_the_docs_say_what_the_package_grants_or_how_to_grant_by_hand(tmp_path, solution):
    spec = (solution / "acumatica/customers/generic-inquiry.md").read_text()
    checklist = (solution / "acumatica/customers/push-notification.md").read_text()
    for text in (spec, checklist):
        assert "grants the role\n`Jigx OData`" in text and "**View Only** on screen\n`GI990001`" in text
    assert "Access rights" not in (solution / "acumatica/stock-items/generic-inquiry.md").read_text()  # no OData
    app = tmp_path / "bare"
    assert cli("init", app, "--table", SAMPLE_FILES[1]).exit_code == 0
    spec = (app / "acumatica/customers/generic-inquiry.md").read_text()
    assert "Access Rights by Screen (SM201020)" in spec and "`GI990001`" in spec and "View Only" in spec
    assert "ScreenWithRights" not in zipfile.ZipFile(app / "acumatica/jigx-cdc.zip").read("project.xml").decode()


def test_a_hand_edited_screen_id_is_what_the_rights_follow(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLE_FILES[1]).exit_code == 0
    (app / "jigx-acumatica.yaml").write_text((app / "jigx-acumatica.yaml").read_text() + "odataRole: Reader\n")
    xml = app / "acumatica/customers/generic-inquiry.xml"
    xml.write_text(xml.read_text().replace('ScreenID="GI990001"', 'ScreenID="GI123456"'))
    assert cli("package", "--solution", app).exit_code == 0
    (item,) = project(app).iterfind("ScreenWithRights")
    assert item.find("data-set/data/SiteMap/row").get("ScreenID") == "GI123456"
    xml.write_text(xml.read_text().replace("</GIDesign>", "</GIDesig>"))
    r = cli("package", "--solution", app)
    assert r.exit_code == 2 and "acumatica/customers/generic-inquiry.xml" in r.stderr and "well-formed" in r.stderr


@pytest.mark.parametrize("role,said", [("*", "universal role"), (" Reader", "not a role name"),
                                       ("R" * 65, "at most 64")])
def test_a_role_that_would_open_too_much_or_is_no_name_is_refused(tmp_path, role, said):
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLE_FILES[1]).exit_code == 0
    config = app / "jigx-acumatica.yaml"
    lines = config.read_text().count("\n")
    config.write_text(config.read_text() + f"odataRole: {role!r}\n".replace("'", '"'))
    r = cli("generate", "--solution", app)
    assert r.exit_code == 2 and said in r.stderr and f"jigx-acumatica.yaml:{lines + 1}:" in r.stderr, r.output
