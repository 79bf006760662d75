"""The project config, jigx-acumatica.yaml: one table of settings (SETTINGS) that loads, checks,
saves and documents it; where pushes go (Target) and the Acumatica side (Settings)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from . import naming
from .errors import InputError
from .setting_checks import BASE_URL_RE, tenant_entries
from .yamlio import dump, key_position, load_positions, load_screened, read_text, value_position

CONFIG_FILE = "jigx-acumatica.yaml"
REGIONS = {
    "us": "https://us-east-1.api.jigx.com/v2.0",
    "au": "https://ap-southeast-2.api.jigx.com/v2.0",
    "eu": "https://eu-central-1.api.jigx.com/v2.0",
}
DEFAULT_PACKAGE = "acumatica/jigx-cdc.zip"
DEFAULT_PROJECT = "JigxCdc"
# project.xml's product-version: real projects carry the version they were made on (24.210 in the
# CBIZ sample); which value an import needs is not documented, so it is a setting.
DEFAULT_PRODUCT_VERSION = "24.210"
PACKAGE_RE = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*\.zip$")
PROJECT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,127}$")
PRODUCT_VERSION_RE = re.compile(r"^[0-9]{2}\.[0-9]{3}$")
SECRET_WORDS = ("pat", "token", "secret", "password", "authorization", "bearer")
ADDRESS_LIMIT = 250  # Acumatica's Address field on the Push Notifications form

# Clearly marked stand-ins when a value is not known yet.
PLACEHOLDER_BASE = "<REGION-BASE-URL>"
PLACEHOLDER_ORG = "<ORGANIZATION-ID>"
PLACEHOLDER_SOLUTION = "<SOLUTION-ID>"
PLACEHOLDER_COMPANY = "MyTenant"


@dataclass(frozen=True)
class Target:
    region: str | None = None
    base_url: str | None = None
    organization_id: str | None = None
    solution_id: str | None = None
    company: str | None = None

    def base(self) -> str | None:
        if self.base_url:
            return self.base_url.rstrip("/")
        return REGIONS.get(self.region or "")

    def url(self, table: str) -> str:
        return (
            f"{self.base() or PLACEHOLDER_BASE}/tool/organizations/{self.organization_id or PLACEHOLDER_ORG}"
            f"/solutions/{self.solution_id or PLACEHOLDER_SOLUTION}/acumatica/cdc?table={table}"
        )

    def placeholders(self) -> list[str]:
        """What the user still has to fill in, in the order it appears in the URL."""
        out = []
        if not self.base():
            out.append(PLACEHOLDER_BASE)
        if not self.organization_id:
            out.append(PLACEHOLDER_ORG)
        if not self.solution_id:
            out.append(PLACEHOLDER_SOLUTION)
        return out

    def merged(self, **overrides: str | None) -> Target:
        """Options given on the command line win over the config file."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def validate(self, source: str = "options") -> Target:
        if self.region is not None and self.region not in REGIONS:
            raise InputError(f"unknown region '{self.region}'", path=None if source == "options" else source,
                             hint=f"use one of: {', '.join(REGIONS)}")
        for label, value in (("organizationId", self.organization_id), ("solutionId", self.solution_id)):
            if value is not None and not naming.UUID_RE.match(value):
                raise InputError(f"{label} '{value}' is not a UUID", path=None if source == "options" else source,
                                 hint="copy it from Jigx Management (looks like 3f2b...-....-....-....-............)")
        if self.base_url is not None and not BASE_URL_RE.match(self.base_url):
            raise InputError(f"base URL {self.base_url!r} is not a plain http(s) URL",
                             path=None if source == "options" else source,
                             hint="e.g. https://eu-central-1.api.jigx.com/v2.0 (or http://127.0.0.1:8787 locally); "
                                  "no spaces, quotes, backticks or query string")
        return self

    def address_length(self, table: str) -> int:
        """How long the Address will be once placeholders are filled in: an id is a 36-character
        UUID, and a region's base URL is at most as long as the longest region's."""
        url = self.url(table)
        longest_base = max(len(b) for b in REGIONS.values())
        for ph in self.placeholders():
            url = url.replace(ph, "x" * (longest_base if ph == PLACEHOLDER_BASE else 36))
        return len(url)

    def check_address(self, table: str) -> str:
        """The full URL, refused when it cannot fit Acumatica's Address field."""
        length = self.address_length(table)
        if length > ADDRESS_LIMIT:
            raise InputError(
                f"the push URL for '{table}' would be {length} characters; Acumatica's Address field takes "
                f"{ADDRESS_LIMIT}", hint="use a shorter table name or base URL",
            )
        return self.url(table)


# --- the settings table -----------------------------------------------------------------------------
# Every key of jigx-acumatica.yaml, once: its Python field, the option that sets it for one run
# (and records it, where a command records options), what it must be, and its help text. Loading,
# saving and docs/configuration.md all follow this table (a test keeps the docs in step).

Check = Callable[[Any], "tuple[str, str] | None"]  # a value -> (what is wrong, the fix), or None


@dataclass(frozen=True)
class Setting:
    key: str
    field: str
    option: str | None
    help: str
    example: str
    check: Check | None = None
    many: bool = False  # a list of text, not one text


def _pattern(regex: re.Pattern[str], what: str, example: str) -> Check:
    def check(value: Any) -> tuple[str, str] | None:
        return None if regex.match(value) else (f"{{key}} {value!r} {what}", f"e.g. {{key}}: {example}")
    return check


def _one_of(choices: Mapping[str, str]) -> Check:
    def check(value: Any) -> tuple[str, str] | None:
        return None if value in choices else (f"unknown {{key}} '{value}'", f"use one of: {', '.join(choices)}")
    return check


def _uuid(value: Any) -> tuple[str, str] | None:
    return None if naming.UUID_RE.match(value) else (
        f"{{key}} '{value}' is not a UUID",
        "copy it from Jigx Management (looks like 3f2b...-....-....-....-............)")


def _package(value: Any) -> tuple[str, str] | None:
    if PACKAGE_RE.match(value) and ".." not in value.split("/"):
        return None
    return (f"package '{value}' must be a relative path inside the solution ending in .zip",
            f"e.g. package: {DEFAULT_PACKAGE}")


def _project(value: Any) -> tuple[str, str] | None:
    if PROJECT_RE.match(value):
        return None
    return (f"projectName '{value}' must be letters and digits only (Acumatica refuses '-', '_' and others)",
            f"e.g. projectName: {re.sub(r'[^A-Za-z0-9]', '', value) or DEFAULT_PROJECT}")


ROLE_LIMIT = 64  # RolesInGraph.Rolename


def _role(value: Any) -> tuple[str, str] | None:
    if value.strip() == "*":
        return ("odataRole '*' is Acumatica's universal role: it would open the inquiries to every user",
                "name the role of the integration user that reads OData, e.g. odataRole: JigxReader")
    if value != value.strip() or len(value) > ROLE_LIMIT or not value.isprintable():
        return (f"odataRole {value!r} is not a role name (one line, at most {ROLE_LIMIT} characters, no spaces "
                "around it)", "copy the role's name from User Roles (SM201005), e.g. odataRole: JigxReader")
    return None


SETTINGS: tuple[Setting, ...] = (
    Setting("region", "region", "--region", "Jigx region: us (us-east-1), eu (eu-central-1), au (ap-southeast-2).",
            "eu", _one_of(REGIONS)),
    Setting("baseUrl", "base_url", "--base-url", "Endpoint base URL instead of the region's (e.g. a local endpoint).",
            "http://127.0.0.1:8787", _pattern(BASE_URL_RE, "is not a plain http(s) URL",
                                              "https://eu-central-1.api.jigx.com/v2.0")),
    Setting("organizationId", "organization_id", "--org", "Jigx organizationId (UUID, Jigx Management > organization "
            "details).", "3f2b6a1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c", _uuid),
    Setting("solutionId", "solution_id", "--solution-id", "Jigx solutionId (UUID, Jigx Management > Solution Details).",
            "7c9e6679-7425-40de-944b-e07fc1f90ae7", _uuid),
    Setting("company", "company", "--company", "Acumatica tenant name sent as the push's CompanyId.", "MyTenant"),
    Setting("package", "package", None, "Where generate keeps the customization package, inside the solution.",
            DEFAULT_PACKAGE, _package),
    Setting("projectName", "project_name", None, "The customization project's name in Acumatica (letters and digits).",
            DEFAULT_PROJECT, _project),
    Setting("productVersion", "product_version", None, "project.xml's product-version: the Acumatica version the "
            "package declares (e.g. 24.210 for 2024 R2).", DEFAULT_PRODUCT_VERSION,
            _pattern(PRODUCT_VERSION_RE, "is not an Acumatica version such as 24.210 (two digits, a dot, three digits)",
                     DEFAULT_PRODUCT_VERSION)),
    Setting("odataRole", "odata_role", None, "The role of the user backfill signs in as: the package grants it View "
            "Only on every inquiry exposed over OData (never more, never the universal role '*').", "JigxReader",
            _role),
    Setting("tableTabs", "table_tabs", None, "A tab per table in index.jigx: auto (only while the solution has four "
            "tabs or fewer, which Jigx shows in its bar; the home grid reaches every table), always, or never.",
            "auto", _one_of({"auto": "", "always": "", "never": ""})),
    Setting("dataApiUrl", "data_api_url", None, "Jigx's Data API base, where verify reads rows back and reconcile "
            "reads Jigx (default: the endpoint's base URL with /data; the Data API's regional host is not "
            "documented).", "https://eu-central-1.api.jigx.com/v2.0/data",
            _pattern(BASE_URL_RE, "is not a plain http(s) URL", "https://eu-central-1.api.jigx.com/v2.0/data")),
    Setting("monitor", "monitor", None, "true adds a failed-push inquiry (over SM502000's table, joined to the "
            "destination for its name and address, never its header) to each tenant's package, exposed over OData, "
            "for monitor and status to read.", "true", _one_of({"true": "", "false": ""})),
    Setting("monitorScreenId", "monitor_screen_id", None, "The screen ID of the failed-push inquiry (monitor: true); "
            "one no other screen on the instance uses.", "GI990099",
            _pattern(re.compile(r"^[A-Z]{2}[A-Z0-9]{6}$"), "is not a screen ID such as GI990099", "GI990099")),
    Setting("acumaticaUrl", "acumatica_url", "--acumatica-url", "The Acumatica instance publish and backfill talk to.",
            "https://mycompany.acumatica.com", _pattern(BASE_URL_RE, "is not a plain http(s) URL",
                                                        "https://mycompany.acumatica.com")),
    Setting("tenant", "tenant", "--tenant", "The tenant's login name (SM203520) to sign in to.", "MyTenant"),
    Setting("tenants", "tenants", "--tenant", "Several tenants: each a login name, or a mapping of name, companyId, "
            "acumaticaUrl (when on another instance) and key (its part of table, file and package names). Each "
            "tenant gets its own Jigx tables and package (docs/tenants.md).", "[MyTenant, Other]", many=True),
)
BY_KEY = {s.key: s for s in SETTINGS}
CONFIG_KEYS = tuple(BY_KEY)
CONFIG_NAMES = {s.field: s.key for s in SETTINGS if not s.many}  # option field -> config key
FIELD_KEYS = {s.field: s.key for s in SETTINGS}  # every field, lists too


def _read_config(solution: Path) -> tuple[dict[str, Any], Any]:
    """The config's values by key, each checked against the settings table (unknown keys and
    secrets refused), and the document for positions; {} when there is no config."""
    path = solution / CONFIG_FILE
    if not path.exists():
        return {}, None
    text = read_text(path, what="project config")
    if not text.strip():
        return {}, None
    data = load_screened(text, str(path))  # the values; doc (below) knows where they are
    doc = load_positions(text, str(path))
    if doc is None:
        return {}, None
    if not isinstance(doc, CommentedMap):
        raise InputError("project config must be a mapping", path=path, line=1, column=1)
    values: dict[str, Any] = {}
    for key, value in data.items():
        setting = BY_KEY.get(key) if isinstance(key, str) else None
        if setting is None:
            line, col = key_position(doc, key)
            if isinstance(key, str) and any(w in key.lower() for w in SECRET_WORDS):
                raise InputError(f"'{key}' looks like a secret; the project config must never hold one", path=path,
                                 line=line, column=col, hint="remove it and pass secrets through the environment, "
                                 "a file option or the prompt")
            raise InputError(f"unknown key '{key}' in project config", path=path, line=line, column=col,
                             hint=f"allowed keys: {', '.join(CONFIG_KEYS)}")
        values[key] = _checked(setting, value, doc, path)
    return values, doc


def _checked(setting: Setting, value: Any, doc: Any, path: Path) -> Any:
    """The value of one setting, or an InputError at its place in the file."""
    if setting.key == "tenants" and isinstance(value, list):
        return tenant_entries(value, doc, path) or None
    if setting.key == "monitor" and isinstance(value, bool):  # a YAML boolean, as one would write it
        value = "true" if value else "false"
    ok = (isinstance(value, list) and all(isinstance(v, str) for v in value)) if setting.many else \
        value is None or isinstance(value, str)
    line, col = value_position(doc, setting.key)
    if not ok:
        what = "a list of tenant names" if setting.many else "text"
        raise InputError(f"'{setting.key}' must be {what}", path=path, line=line, column=col,
                         hint=f"e.g. {setting.key}: " + (setting.example if setting.many else '"..."'))
    if not value:
        return None
    if setting.many:
        return list(value)
    problem = setting.check(value) if setting.check else None
    if problem:
        message, fix = problem
        raise InputError(message.format(key=setting.key), path=path, line=line, column=col,
                         hint=fix.format(key=setting.key))
    return str(value)


def load_config(solution: Path) -> Target:
    values, _ = _read_config(solution)
    target = Target(
        region=values.get("region"), base_url=values.get("baseUrl"),
        organization_id=values.get("organizationId"), solution_id=values.get("solutionId"),
        company=values.get("company"),
    )
    return target.validate(str(solution / CONFIG_FILE))


@dataclass(frozen=True)
class Settings:
    """The Acumatica side of the project config: the customization package and where to publish it."""

    package: str = DEFAULT_PACKAGE  # path inside the solution
    project_name: str = DEFAULT_PROJECT  # letters and digits only (Acumatica refuses others)
    acumatica_url: str | None = None
    tenants: tuple[str, ...] = ()  # publish (and read) in each, in turn: their login names
    tenant_entries: tuple[dict[str, str], ...] = ()  # as declared: name, and companyId, acumaticaUrl, key
    company: str | None = None  # the CompanyId of a one-tenant solution (the first tenant's by default)
    data_api_url: str | None = None  # Jigx's Data API base, when not the endpoint's base + /data
    monitor: bool = False  # the failed-push inquiry in each package
    monitor_screen_id: str = "GI990099"
    product_version: str = DEFAULT_PRODUCT_VERSION
    odata_role: str | None = None  # granted View Only on each OData inquiry's screen
    table_tabs: str = "auto"  # auto, always or never


def load_settings(solution: Path) -> Settings:
    values, _ = _read_config(solution)
    url = values.get("acumaticaUrl")
    entries = tuple(values.get("tenants") or ([{"name": values["tenant"]}] if values.get("tenant") else []))
    return Settings(package=values.get("package") or DEFAULT_PACKAGE, project_name=values.get("projectName") or
                    DEFAULT_PROJECT, acumatica_url=url.rstrip("/") if url else None,
                    tenants=tuple(e["name"] for e in entries), tenant_entries=entries, company=values.get("company"),
                    data_api_url=values.get("dataApiUrl"), monitor=values.get("monitor") == "true",
                    monitor_screen_id=values.get("monitorScreenId") or "GI990099",
                    product_version=values.get("productVersion") or DEFAULT_PRODUCT_VERSION,
                    odata_role=values.get("odataRole"), table_tabs=values.get("tableTabs") or "auto")


def config_text(target: Target) -> str:
    """A new project config holding the target's values (never a secret)."""
    doc = CommentedMap()
    doc["region"] = target.region
    doc["organizationId"] = target.organization_id
    doc["solutionId"] = target.solution_id
    doc["company"] = target.company
    if target.base_url:
        doc["baseUrl"] = target.base_url
    doc.yaml_set_start_comment(
        "jigx-acumatica project settings (commit this file).\n"
        "region: us, eu or au. organizationId and solutionId: UUIDs from Jigx Management.\n"
        "company: the Acumatica tenant name sent as CompanyId.\n"
        "Never put your Personal Access Token here: pass it with JIGX_PAT or --pat-file."
    )
    return dump(doc)


# One tenant or several: saving one form drops the other, which would otherwise win or linger.
_EXCLUSIVE = {"tenant": "tenants", "tenants": "tenant"}


def config_with(current: str | None, target: Target, given: Mapping[str, str | list[str]]) -> str:
    """The project config with the given options recorded (comments and other keys kept); a new
    config when there is none. A list (several tenants) is written in flow style."""
    from ruamel.yaml.comments import CommentedSeq

    if current is None:
        current = config_text(target)
    doc = load_positions(current, CONFIG_FILE)
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
    for field_name, value in given.items():
        key = FIELD_KEYS[field_name]
        if key in _EXCLUSIVE and _EXCLUSIVE[key] in doc:
            del doc[_EXCLUSIVE[key]]
        if isinstance(value, list):
            seq = CommentedSeq(value)
            seq.fa.set_flow_style()
            doc[key] = seq
        else:
            doc[key] = value
    return dump(doc)
