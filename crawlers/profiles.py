"""Declarative site profiles (crawlers/sources/*.yaml), validated with pydantic.

A profile says what a source is (site id, kind, country), which spider reads it (`listing`,
`feed`, `sitemap`, `channel`, `reddit` or `mastodon`), where to start, and which selectors find
detail links, the next page, result cards and each field (crawlers/selectors.py). A broken
profile is refused with an error naming the file and the field, e.g.
``crawlers/sources/demo.yaml: sources[1].spider: Input should be 'listing', 'feed', ...``.

`base_url` in the file is a default: `with_base_url` points a profile at another host (the
demo server listens on a random port, or a local mirror of the site), and start URLs stay
relative to it. A base URL is `http(s)://host[:port]`; `check_base_url` refuses anything else
with a message that names the value and the form expected.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from crawlers.schedules import ProfileSchedule
from crawlers.selectors import FieldSpec, alternatives, check_expression
from index.document import Source, SourceKind

SOURCES_DIR = Path(__file__).parent / "sources"
DEMO_PROFILES = SOURCES_DIR / "demo.yaml"
# Shared partial profiles that `template: <name>` merges under a profile's own keys.
TEMPLATES_FILE = "_templates.yaml"

SpiderName = Literal["listing", "feed", "sitemap", "channel", "reddit", "mastodon"]


class ProfileError(ValueError):
    """A profile file cannot be read or does not describe valid sources."""


BASE_URL_FORM = "http(s)://host[:port]"
_NO_SCHEME = "it has no http:// or https:// scheme"


def _base_url_problem(value: str) -> str | None:
    """Why `value` is not a base URL, or None when it is one."""
    if not value or value != value.strip() or any(char.isspace() for char in value):
        return "it is empty or contains spaces"
    try:
        parts = urlsplit(value)
    except ValueError as error:  # e.g. an unclosed IPv6 bracket
        return f"it does not parse as a URL ({error})"
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number from 1 to 65535"
    if parts.scheme not in ("http", "https"):
        # "localhost:8080" parses as scheme "localhost", "127.0.0.1:8080" as a bare path.
        if not parts.netloc:
            return _NO_SCHEME
        return f"its scheme {parts.scheme!r} is not http or https"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "its port is not a number from 1 to 65535"
    if parts.username is not None or parts.password is not None:
        return "it carries a user name or password"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "it has a path, query or fragment (start URLs are relative to the host)"
    return None


def check_base_url(value: str, name: str = "base URL") -> str:
    """`value` unchanged when it is `http(s)://host[:port]`, else a ProfileError saying why;
    `name` is what the message calls it (the CLI's option)."""
    problem = _base_url_problem(value)
    if problem is None:
        return value
    hint = f", e.g. http://{value}" if problem == _NO_SCHEME else ""
    raise ProfileError(f"{name} {value!r} is not valid: {problem}; expected {BASE_URL_FORM}{hint}")


class LinkSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    detail: str | None = None
    next_page: str | None = None


class FieldSelectors(BaseModel):
    """A selector for each field (CSS, or XPath after `xpath:`; a list is tried in order, see
    crawlers/selectors.py). Elements give their visible text; `date` also reads `datetime`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: FieldSpec = None
    description: FieldSpec = None
    company: FieldSpec = None
    location: FieldSpec = None
    salary: FieldSpec = None
    contact: FieldSpec = None
    date: FieldSpec = None

    @field_validator("*")
    @classmethod
    def _selectors_compile(cls, spec: FieldSpec) -> FieldSpec:
        for expression in alternatives(spec):
            check_expression(expression)
        return spec


class CardSelectors(BaseModel):
    """Ads shown as cards on a listing page (search results), each card one Document.

    `item` finds the cards; inside each, `link` gives the ad's URL (an href, or a value that
    `link_format` turns into one, e.g. Indeed's `data-jk` id into `/viewjob?jk={}`) and
    `fields` the ad's fields, relative to the card. A card without a link is skipped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str
    link: str = "a::attr(href)"
    link_format: str | None = Field(default=None, pattern=r"\{\}")
    fields: FieldSelectors = FieldSelectors()

    @field_validator("item", "link")
    @classmethod
    def _selector_compiles(cls, expression: str) -> str:
        return check_expression(expression)


class PageAction(BaseModel):
    """Something a rendered page needs before it shows everything: infinite scroll or a
    "load more" control, repeated `times` times with `wait_ms` for the content to arrive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["scroll", "click"]
    selector: str | None = None
    times: int = Field(default=1, ge=1, le=100)
    wait_ms: int = Field(default=300, ge=0, le=10_000)

    @model_validator(mode="after")
    def _click_needs_a_selector(self) -> PageAction:
        if self.kind == "click" and not self.selector:
            raise ValueError("a click action needs a selector")
        return self


class FeedOptions(BaseModel):
    """How a feed's items become Documents (crawlers/spiders/feed.py).

    `item_hosts` are hosts, besides the profile's own, whose item pages may be fetched (a feed
    on feeds.example.org whose items are on www.example.org). An item on any other host, or
    whose page cannot be fetched (404, refused, robots), is a Document of its own, made of the
    feed's title, summary, date and link. `fetch_items: false` never fetches item pages (Reddit
    and Mastodon feeds: the item page is a script shell, the feed holds the post)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item_hosts: list[str] = Field(default_factory=list)
    fetch_items: bool = True

    @field_validator("item_hosts")
    @classmethod
    def _hosts_are_hosts(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if not re.fullmatch(r"[a-z0-9.\-]+(:\d{1,5})?", host):
                raise ValueError(f"{host!r} is not a lower-case host[:port]")
        return hosts


class SourceProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Catalogue keys: `verified` only where a test checks the profile against a real capture
    # (tests/crawlers/test_catalogue.py knows which); an unverified one ships disabled.
    enabled: bool = True
    verified: bool = False
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    # Card boards: an ad whose card is gone from this many fully crawled listings in a row is
    # taken down, sooner when its own URL answers 404/410 (crawlers/takedowns.py).
    takedown_after_absences: int = Field(default=3, ge=1, le=100)
    feed: FeedOptions = FeedOptions()

    name: str = Field(min_length=1)
    site: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    kind: SourceKind
    spider: SpiderName
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    base_url: str | None = Field(default=None, pattern=r"^https?://[^/\s]+")
    start_urls: list[str] = Field(min_length=1)
    links: LinkSelectors = LinkSelectors()
    fields: FieldSelectors = FieldSelectors()
    cards: CardSelectors | None = None
    use_jsonld: bool = False
    # Chromium only where needed: every page (`render`), or pages whose main content is empty
    # while scripts would fill it (`render_when: needs_javascript`).
    render: bool = False
    render_when: Literal["needs_javascript"] | None = None
    page_actions: list[PageAction] = Field(default_factory=list)
    # Set by `with_base_url`: the base URL the profile was written for, now served by the
    # mirror at `base_url`. A mirror keeps the site's absolute links (Computrabajo's "next
    # page" is one), and those are links into the mirror, not to another site.
    mirror_of: str | None = None
    # When the watch service re-crawls it (crawlers/schedules.py); none: the default schedule.
    schedule: ProfileSchedule = None

    @property
    def uses_browser(self) -> bool:
        return self.render or self.render_when is not None

    @property
    def source(self) -> Source:
        return Source(kind=self.kind, site=self.site, country=self.country)

    def absolute_start_urls(self) -> list[str]:
        if self.base_url is None:
            raise ProfileError(f"profile {self.site!r} has no base_url: pass one at run time")
        base = self.base_url.rstrip("/") + "/"
        return [urljoin(base, start.lstrip("/")) for start in self.start_urls]

    def with_base_url(self, base_url: str | None) -> SourceProfile:
        """The same profile pointed at another host; `None` keeps the file's base_url."""
        if base_url is None:
            return self
        check_base_url(base_url)
        mirror_of = self.mirror_of or self.base_url
        update = {"base_url": base_url, "mirror_of": mirror_of if mirror_of != base_url else None}
        return SourceProfile.model_validate({**self.model_dump(), **update})


class _ProfileFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[SourceProfile] = Field(min_length=1)


class LoadedProfiles(list[SourceProfile]):
    """The enabled profiles of a file or folder; `disabled` holds the others, so that naming
    one gives a clear message instead of "unknown source"."""

    def __init__(self, enabled: list[SourceProfile], disabled: list[SourceProfile]) -> None:
        super().__init__(enabled)
        self.disabled = disabled


def _describe(error: ValidationError) -> str:
    problems = []
    for issue in error.errors():
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in issue["loc"]
        )
        problems.append(f"{where.lstrip('.') or '(top level)'}: {issue['msg']}")
    return "; ".join(problems)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"{path}: cannot read profile file: {error}") from error
    except yaml.YAMLError as error:
        raise ProfileError(f"{path}: not valid YAML: {error}") from error


def _merged(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """`own` over `base`, mappings merged key by key (a profile overrides one card field)."""
    merged = dict(base)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_templates(folder: Path) -> dict[str, dict[str, Any]]:
    """The `templates:` of `<folder>/_templates.yaml`, else of the shipped catalogue's."""
    path = folder / TEMPLATES_FILE
    path = path if path.exists() else SOURCES_DIR / TEMPLATES_FILE
    raw = _read_yaml(path) if path.exists() else None
    templates = raw.get("templates") if isinstance(raw, dict) else None
    if not isinstance(templates, dict) or not all(isinstance(t, dict) for t in templates.values()):
        raise ProfileError(f"{path}: templates: expected a mapping of name -> profile keys")
    return templates


def _apply_templates(path: Path, raw: Any) -> Any:
    entries = raw.get("sources") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not any(
        isinstance(entry, dict) and "template" in entry for entry in entries
    ):
        return raw
    templates = load_templates(path.parent)
    resolved = []
    for number, entry in enumerate(entries):
        if isinstance(entry, dict) and "template" in entry:
            own = {key: value for key, value in entry.items() if key != "template"}
            name = entry["template"]
            if name not in templates:
                known = sorted(templates)
                raise ProfileError(f"{path}: sources[{number}].template: {name!r} not in {known}")
            entry = _merged(templates[name], own)
        resolved.append(entry)
    return {**raw, "sources": resolved}


def _load_file(path: Path) -> list[SourceProfile]:
    raw = _apply_templates(path, _read_yaml(path))
    try:
        return _ProfileFile.model_validate(raw).sources
    except ValidationError as error:
        raise ProfileError(f"{path}: {_describe(error)}") from error


def profile_files(folder: Path) -> list[Path]:
    """The profile files of a catalogue folder: not the templates, not the demo web's."""
    return sorted(
        path
        for path in folder.glob("*.yaml")
        if not path.name.startswith("_") and path.name != DEMO_PROFILES.name
    )


def load_profiles(path: Path = DEMO_PROFILES, include_disabled: bool = False) -> LoadedProfiles:
    """Every enabled source in one profile file, or in every profile file of a folder (the
    catalogue, crawlers/sources/); `include_disabled` keeps the disabled ones too. A broken
    file is a ProfileError naming the file and the field."""
    files = profile_files(path) if path.is_dir() else [path]
    profiles = [profile for file in files for profile in _load_file(file)]
    sites = [profile.site for profile in profiles]
    duplicates = sorted({site for site in sites if sites.count(site) > 1})
    if duplicates:
        raise ProfileError(f"{path}: sources: site ids must be unique, repeated: {duplicates}")
    enabled = [p for p in profiles if p.enabled or include_disabled]
    return LoadedProfiles(enabled, [p for p in profiles if p not in enabled])


def select_profiles(profiles: list[SourceProfile], sites: list[str]) -> list[SourceProfile]:
    """The profiles for the named sites (all when none are named), or a clear error."""
    if not sites:
        return profiles
    known = {profile.site: profile for profile in profiles}
    disabled = {p.site: p for p in getattr(profiles, "disabled", []) if p.site in sites}
    if disabled:
        unverified = [site for site, p in disabled.items() if not p.verified]
        raise ProfileError(
            f"source(s) {sorted(disabled)} are disabled (enabled: false"
            + (f"; not verified against a real capture: {sorted(unverified)}" if unverified else "")
            + "): set `enabled: true` in the profile to crawl them"
        )
    unknown = [site for site in sites if site not in known]
    if unknown:
        raise ProfileError(f"unknown source(s) {unknown}; known: {sorted(known)}")
    return [known[site] for site in sites]
