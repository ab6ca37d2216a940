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

Card boards and take-downs (incremental crawls only): listing pages are parsed even when
unchanged, cards whose text is as stored are not spooled again (`unchanged`), and once the
crawl is idle over a fully crawled listing, the known cards it did not see are checked and
taken down as crawlers/takedowns.py describes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from parsel import Selector
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.dates import parse_date
from crawlers.incremental import ALWAYS_PARSE_META, GONE_STATUSES, STATE_PATH_SETTING, NotModified
from crawlers.jsonld import JobPosting, extract_job_posting
from crawlers.profiles import CardSelectors, FieldSelectors
from crawlers.rejections import reason_for_failure, site_key
from crawlers.selectors import first_text, select
from crawlers.spiders.base import ProfileSpider, field_date, field_text
from crawlers.takedowns import AbsentCard, CardState, ListingSweep
from crawlers.text import selected_text
from crawlers.urls import canonical_url
from index.document import Document, Status, utc_now

CARD_CHECK_META = "track4tip_card_check"

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sweep = ListingSweep()
        self.cards_state: CardState | None = None
        self._spooling: dict[str, str] = {}  # canonical card URL -> its hash, once spooled

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        path = crawler.settings.get(STATE_PATH_SETTING)
        if path and spider.profile.cards is not None:
            spider.cards_state = CardState(Path(path))
            crawler.signals.connect(spider._card_spooled, signal=signals.item_scraped)
            crawler.signals.connect(spider._check_absent_cards, signal=signals.spider_idle)
        return spider

    def request_meta(self, callback: Callable[..., Any]) -> dict[str, Any]:
        # The cards on a listing page are the ads: an unchanged page is read all the same.
        if self.profile.cards is not None and getattr(callback, "__name__", "") == "parse":
            return {ALWAYS_PARSE_META: True}
        return {}

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A listing page: its cards, its detail links, then the next listing page."""
        if self.profile.use_jsonld and extract_job_posting(response) is not None:
            yield from self.parse_detail(response)
            return
        if self.profile.cards is not None:
            yield from self.parse_cards(response, self.profile.cards)
            self.sweep.pages_parsed += 1
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
            self.sweep.spoil(f"no cards on {response.url}")
        for card in found:
            url = card_link(card, cards, response)
            if url is None:
                self.reject(response, "card_without_link", selected_text(card)[:80])
                continue
            document = self._card_document(response, card, cards, url, fetched)
            if self._is_new_or_changed(document):
                yield document

    def _card_document(
        self, response: Response, card: Selector, cards: CardSelectors, url: str, fetched: datetime
    ) -> Document:
        fields = cards.fields
        posted = field_text(card, fields.date)
        return self.document(
            response,
            url=url,
            fetched_at=fetched,
            title=field_text(card, fields.title),
            text=field_text(card, fields.description) or selected_text(card),
            published_at=field_date(card, fields.date, now=fetched),
            attributes=css_attributes(card, fields) | ({"posted": posted} if posted else {}),
        )

    def _is_new_or_changed(self, document: Document) -> bool:
        url = document.canonical_url
        self.sweep.seen.add(url)
        if self.cards_state is None:
            return True
        if self.cards_state.stored_hash(self.site, url) == document.content_hash:
            self.cards_state.seen(self.site, url, document.content_hash)  # absences back to 0
            self.crawler.stats.inc_value(site_key(self.site, "unchanged"))
            return False
        self._spooling[url] = document.content_hash
        return True

    def _card_spooled(self, item: Any) -> None:
        # Stored once spooled: a card the spool refused is spooled again next crawl.
        if isinstance(item, Document) and item.canonical_url in self._spooling:
            url = item.canonical_url
            if self.cards_state is not None:
                self.cards_state.seen(self.site, url, self._spooling.pop(url))

    def _check_absent_cards(self) -> None:
        """Idle after a fully crawled listing: ask each known card not seen for its own URL."""
        if self.cards_state is None or self.sweep.swept or not self.sweep.complete:
            return
        self.sweep.swept = True
        scheduled = False
        for card in self.cards_state.count_absences(self.site, self.sweep.seen):
            request = self.follow_url(card.url, self.parse_card_check)
            if request is not None:
                request.meta[CARD_CHECK_META] = card
                self.crawler.engine.crawl(request.replace(dont_filter=True))
                scheduled = True
        if scheduled:
            raise DontCloseSpider("checking the ads missing from the listing")

    def parse_card_check(self, response: Response) -> Iterator[Any]:
        """The missing ad's page still answers: taken down only after enough absences."""
        card: AbsentCard = response.meta[CARD_CHECK_META]
        if card.absences >= self.profile.takedown_after_absences:
            yield self._card_taken_down(card, response)

    def on_error(self, failure: Failure) -> list[Document]:
        request = getattr(failure, "request", None)
        card = request.meta.get(CARD_CHECK_META) if request is not None else None
        if isinstance(card, AbsentCard):
            return self._card_check_failed(failure, card)
        callback = getattr(getattr(request, "callback", None), "__name__", None)
        if callback == "parse":  # a listing page: this crawl did not see the whole listing
            self.sweep.spoil(reason_for_failure(failure)[0])
        return super().on_error(failure)

    def _card_check_failed(self, failure: Failure, card: AbsentCard) -> list[Document]:
        response = getattr(failure.value, "response", None)
        if isinstance(failure.value, HttpError) and response.status in GONE_STATUSES:
            return [self._card_taken_down(card, response)]
        if not failure.check(NotModified):  # unchanged: the page is there, nothing failed
            reason, detail = reason_for_failure(failure)
            self.reject_url(card.url, reason, detail)
        if card.absences >= self.profile.takedown_after_absences:
            return [self._card_taken_down(card, None)]
        return []

    def _card_taken_down(self, card: AbsentCard, response: Response | None) -> Document:
        assert self.cards_state is not None  # card checks run only with a card state
        self.cards_state.mark_gone(self.site, card.url)
        self.crawler.stats.inc_value(site_key(self.site, "taken_down"))
        if response is not None:
            return self.taken_down(response, card.last_seen)
        gone = Document.collected(
            source=self.profile.source,
            url=card.url,
            canonical_url=canonical_url(card.url),
            title="",
            text="",
            status=Status.TAKEN_DOWN,
            taken_down_at=utc_now(),
        )
        return gone.model_copy(update={"first_seen": card.last_seen, "last_seen": card.last_seen})

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
