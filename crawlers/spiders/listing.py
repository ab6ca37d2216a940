"""Job boards and classifieds: listing pages -> detail pages -> one Document per ad.

The listing spider follows the profile's detail-link selector and its next-page selector. On a
detail page, schema.org JobPosting JSON-LD is read first (when the profile says `use_jsonld`),
and the profile's CSS field selectors fill whatever it lacks (contact details are rarely in
JSON-LD). A detail page with no main text is not indexed: it is counted as `needs_javascript`
when scripts would fill it, else as `empty_page`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.dates import parse_date
from crawlers.jsonld import JobPosting, extract_job_posting
from crawlers.spiders.base import ProfileSpider, field_date, field_text
from index.document import Document

ATTRIBUTE_FIELDS = ("company", "location", "salary", "contact")


class ListingSpider(ProfileSpider):
    name = "listing"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A listing page: its detail links, then the next listing page."""
        links = self.profile.links
        if links.detail:
            yield from self.follow_links(response, links.detail, self.parse_detail)
        if links.next_page:
            yield from self.follow_links(response, links.next_page, self.parse)

    def parse_detail(self, response: Response) -> Iterator[Document]:
        posting = extract_job_posting(response) if self.profile.use_jsonld else None
        posting = posting or JobPosting()
        fields = self.profile.fields
        text = posting.description or field_text(response, fields.description)
        if not text:
            self.reject_empty(response)
            return
        yield self.document(
            response,
            title=posting.title or field_text(response, fields.title),
            text=text,
            published_at=parse_date(posting.date_posted) or field_date(response, fields.date),
            attributes={**self._css_attributes(response), **posting.attributes},
        )

    def _css_attributes(self, response: Response) -> dict[str, str]:
        selectors = self.profile.fields
        found = {name: field_text(response, getattr(selectors, name)) for name in ATTRIBUTE_FIELDS}
        return {name: value for name, value in found.items() if value}
