"""Declarative site profiles (crawlers/sources/*.yaml), validated with pydantic.

A profile says what a source is (site id, kind, country), which spider reads it (`listing`,
`feed` or `channel`), where to start, and which CSS selectors find detail links, the next page
and each field. A broken profile is refused with an error naming the file and the field, e.g.
``crawlers/sources/demo.yaml: sources[1].spider: Input should be 'listing', 'feed' or 'channel'``.

`base_url` in the file is a default: `with_base_url` points a profile at another host (the
demo server listens on a random port), and start URLs stay relative to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urljoin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.document import Source, SourceKind

SOURCES_DIR = Path(__file__).parent / "sources"
DEMO_PROFILES = SOURCES_DIR / "demo.yaml"

SpiderName = Literal["listing", "feed", "channel"]


class ProfileError(ValueError):
    """A profile file cannot be read or does not describe valid sources."""


class LinkSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    detail: str | None = None
    next_page: str | None = None


class FieldSelectors(BaseModel):
    """CSS selectors for each field; `::text` / `::attr()` are added by the spider."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = None
    description: str | None = None
    company: str | None = None
    location: str | None = None
    salary: str | None = None
    contact: str | None = None
    date: str | None = None


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
    use_jsonld: bool = False

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
        return SourceProfile.model_validate({**self.model_dump(), "base_url": base_url})


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
