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

from pathlib import Path
from typing import Literal
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

from crawlers.selectors import FieldSpec, alternatives, check_expression
from index.document import Source, SourceKind

SOURCES_DIR = Path(__file__).parent / "sources"
DEMO_PROFILES = SOURCES_DIR / "demo.yaml"

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


class SourceProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

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


def _describe(error: ValidationError) -> str:
    problems = []
    for issue in error.errors():
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in issue["loc"]
        )
        problems.append(f"{where.lstrip('.') or '(top level)'}: {issue['msg']}")
    return "; ".join(problems)


def load_profiles(path: Path = DEMO_PROFILES) -> list[SourceProfile]:
    """Every source in one profile file, or a ProfileError naming the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"{path}: cannot read profile file: {error}") from error
    except yaml.YAMLError as error:
        raise ProfileError(f"{path}: not valid YAML: {error}") from error
    try:
        profiles = _ProfileFile.model_validate(raw).sources
    except ValidationError as error:
        raise ProfileError(f"{path}: {_describe(error)}") from error
    duplicates = sorted({p.site for p in profiles if [q.site for q in profiles].count(p.site) > 1})
    if duplicates:
        raise ProfileError(f"{path}: sources: site ids must be unique, repeated: {duplicates}")
    return profiles


def select_profiles(profiles: list[SourceProfile], sites: list[str]) -> list[SourceProfile]:
    """The profiles for the named sites (all when none are named), or a clear error."""
    if not sites:
        return profiles
    known = {profile.site: profile for profile in profiles}
    unknown = [site for site in sites if site not in known]
    if unknown:
        raise ProfileError(f"unknown source(s) {unknown}; known: {sorted(known)}")
    return [known[site] for site in sites]
