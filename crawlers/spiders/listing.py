"""Job boards and classifieds: listing pages -> detail pages -> one Document per ad.

The listing spider follows the profile's detail-link selector and its next-page selector. On a
detail page, schema.org JobPosting JSON-LD is read first (when the profile says `use_jsonld`),
and the profile's field selectors fill whatever it lacks (contact details are rarely in
JSON-LD). A detail page with no main text is not indexed: it is counted as `needs_javascript`
when scripts would fill it, else as `empty_page`.

Boards whose search results already show each ad's title, company, place, salary and age
(Computrabajo, Bumeran, elempleo, Indeed) declare `cards`: every card on a listing page becomes
a Document of its own, dated from "Hace 2 horas" against the fetch time, with the card's raw
date text kept as the `posted` attribute. A page reached as a listing that carries a JobPosting
is read as a detail page: JSON-LD first, wherever it is found.

A listing page on which the card selector (`cards.item`) or the detail-link selector
(`links.detail`) matches nothing is a counted warning (`no_match:<selector>`): the crawl
"succeeds" with no documents otherwise, and nobody notices the site changed. The next-page
selector is not checked: the last page has no next link.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Response

from crawlers.dates import parse_date
from crawlers.jsonld import JobPosting, extract_job_posting
from crawlers.profiles import CardSelectors, FieldSelectors
from crawlers.selectors import first_text, select
from crawlers.spiders.base import ProfileSpider, field_date, field_text
from crawlers.text import selected_text
from index.document import utc_now

ATTRIBUTE_FIELDS = ("company", "location", "salary", "contact")


def css_attributes(scope: Any, selectors: FieldSelectors) -> dict[str, str]:
    found = {name: field_text(scope, getattr(selectors, name)) for name in ATTRIBUTE_FIELDS}
    return {name: value for name, value in found.items() if value}


def card_link(card: Selector, cards: CardSelectors, page: Response) -> str | None:
    value = first_text(card, cards.link)
    if not value:
        return None
    return page.urljoin(cards.link_format.format(value) if cards.link_format else value)


class ListingSpider(ProfileSpider):
    name = "listing"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A listing page: its cards, its detail links, then the next listing page."""
        if self.profile.use_jsonld and extract_job_posting(response) is not None:
            yield from self.parse_detail(response)
            return
        if self.profile.cards is not None:
            yield from self.parse_cards(response, self.profile.cards)
        links = self.profile.links
        if links.detail:
            yield from self.follow_links(
                response, links.detail, self.parse_detail, must_match="links.detail"
            )
        if links.next_page:
            yield from self.follow_links(response, links.next_page, self.parse)

    def parse_cards(self, response: Response, cards: CardSelectors) -> Iterator[Any]:
        fetched = utc_now()
        found = select(response, cards.item)
        if not found:
            self.warn_no_match(response, "cards.item", cards.item)
        for card in found:
            url = card_link(card, cards, response)
            if url is None:
                self.reject(response, "card_without_link", selected_text(card)[:80])
                continue
            fields = cards.fields
            posted = field_text(card, fields.date)
            yield self.document(
                response,
                url=url,
                fetched_at=fetched,
                title=field_text(card, fields.title),
                text=field_text(card, fields.description) or selected_text(card),
                published_at=field_date(card, fields.date, now=fetched),
                attributes=css_attributes(card, fields) | ({"posted": posted} if posted else {}),
            )

    def parse_detail(self, response: Response) -> Iterator[Any]:
        posting = extract_job_posting(response) if self.profile.use_jsonld else None
        posting = posting or JobPosting()
        fields = self.profile.fields
        text = posting.description or field_text(response, fields.description)
        if not text:
            yield from self.reject_empty(response)
            return
        yield self.document(
            response,
            title=posting.title or field_text(response, fields.title),
            text=text,
            published_at=parse_date(posting.date_posted) or field_date(response, fields.date),
            attributes={**css_attributes(response, fields), **posting.attributes},
        )
