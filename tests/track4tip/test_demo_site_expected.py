"""tests/site/expected.json agrees with the pages it describes.

Other suites assert crawl and analysis results against expected.json, so it must stay exact:
every outcome is what the server really does, every phone and e-mail is really in the page,
every link is really on the listing, and the networks are what the spec asks for.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx
import phonenumbers
import pytest
from parsel import Selector

from track4tip.demo_site import DemoSite, site_root

EXAMPLE_DOMAINS = {"example.com", "example.org", "example.net"}
OUTCOMES = {
    "document", "http_404", "truncated", "not_html", "redirect_loop", "robots_disallowed",
    "needs_javascript", "rendered",
}  # fmt: skip


@cache
def expected() -> dict[str, Any]:
    return json.loads((site_root() / "expected.json").read_text(encoding="utf-8"))


def pages() -> list[dict[str, Any]]:
    return expected()["pages"]


def records() -> list[dict[str, Any]]:
    """Everything that carries text: pages and channel posts."""
    return pages() + expected()["posts"]


def with_text() -> list[dict[str, Any]]:
    """Pages and posts that have text on disk (not the 404, redirect and binary routes)."""
    return [record for record in records() if "post" in record or record["file"]]


def page_text(record: dict[str, Any]) -> str:
    page = record if "post" not in record else page_by_path(record["page"])
    return html.unescape((site_root() / page["file"]).read_text(encoding="utf-8"))


def page_by_path(path: str) -> dict[str, Any]:
    return next(page for page in pages() if page["path"] == path)


def record_id(record: dict[str, Any]) -> str:
    return record.get("post") or record["path"]


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        DemoSite() as site,
        httpx.Client(base_url=site.base_url, follow_redirects=False, timeout=10) as http,
    ):
        yield http


@pytest.mark.parametrize("page", pages(), ids=record_id)
def test_outcome_is_what_the_server_does(client: httpx.Client, page: dict[str, Any]) -> None:
    assert page["outcome"] in OUTCOMES
    response = client.get(page["path"])
    status, body = response.status_code, response.content
    match page["outcome"]:
        case "document" | "robots_disallowed":
            assert status == 200 and body == (site_root() / page["file"]).read_bytes()
        case "http_404":
            assert status == 404
        case "redirect_loop":
            assert status == 302 and response.headers["location"] == page["redirects_to"]
        case "truncated":
            assert status == 200 and b"</html>" not in body and not body.endswith(b">")
        case "not_html":
            assert status == 200 and response.headers["content-type"].startswith("text/html")
            assert b"\x00" in body
        case "needs_javascript" | "rendered":  # rendered: a document only after Chromium
            static = Selector(text=response.text)
            assert static.css("div#app").xpath("string()").get() == ""
            assert static.css("h1.job-title").get() is None
            visible = " ".join(static.xpath("//body//text()[not(parent::script)]").getall())
            assert page["title"] not in visible
            assert page["title"] in response.text  # in the script that renders it


def test_robots_disallowed_pages_are_exactly_under_privado() -> None:
    disallowed = [p["path"] for p in pages() if p["outcome"] == "robots_disallowed"]
    robots = (site_root() / "robots.txt").read_text(encoding="utf-8")
    assert disallowed == ["/privado/"] and "Disallow: /privado/" in robots


@pytest.mark.parametrize("record", with_text(), ids=record_id)
def test_phones_are_written_in_the_page(record: dict[str, Any]) -> None:
    region = expected()["sites"][record["site"]]["country"] if record["site"] else None
    text = page_text(record)
    for mention in record["phone_mentions"]:
        assert mention["written"] in text
        number = phonenumbers.parse(mention["written"], mention["region"])
        assert phonenumbers.is_valid_number(number)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        assert e164 == mention["e164"]
        if mention["region"] != region:  # only the deliberate hard cases, and they say so
            assert region is None or "note" in record
    assert record["phones"] == sorted({m["e164"] for m in record["phone_mentions"]})


@pytest.mark.parametrize("record", with_text(), ids=record_id)
def test_emails_are_in_the_page_and_synthetic(record: dict[str, Any]) -> None:
    for email in record["emails"]:
        assert email in page_text(record)
        assert email.split("@")[1] in EXAMPLE_DOMAINS


def test_no_page_holds_a_phone_or_email_the_truth_does_not_list() -> None:
    for record in records():
        if record["outcome"] in {
            "document",
            "truncated",
            "needs_javascript",
            "rendered",
        } and record.get("content"):
            text = post_or_page_text(record)
            region = expected()["sites"].get(record["site"] or "", {}).get("country", "VE")
            found = {
                phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
                for m in phonenumbers.PhoneNumberMatcher(text, region)
            }
            assert found <= set(record["phones"]), record_id(record)


def post_or_page_text(record: dict[str, Any]) -> str:
    if "post" not in record:
        return page_text(record)
    message = Selector(text=page_text(record)).css(
        f'div.tgme_widget_message[data-post="{record["post"]}"]'
    )
    return " ".join(message.css(".tgme_widget_message_text ::text").getall())


def test_indicators_come_from_the_taxonomy_and_benign_ads_have_no_strong_ones() -> None:
    strength = {entry["id"]: entry["strength"] for entry in expected()["taxonomy"]}
    assert len(strength) == 14
    for record in records():
        assert set(record["indicators"]) <= set(strength), record_id(record)
        if record["label"] == "benign":
            assert {strength[i] for i in record["indicators"]} <= {"weak"}, record_id(record)
        if record["label"] == "risky":
            assert any(strength[i] != "weak" for i in record["indicators"]), record_id(record)


@pytest.mark.parametrize("page", [p for p in pages() if p.get("links")], ids=record_id)
def test_listing_links_are_on_the_page(page: dict[str, Any]) -> None:
    selector = Selector(text=(site_root() / page["file"]).read_text(encoding="utf-8"))
    css = {
        "listing": "a.job-link::attr(href), a.ad-link::attr(href), a.article-link::attr(href)",
        "home": "a.section-link::attr(href)",
    }
    if page["kind"] == "feed":
        assert selector.xpath("//item/link/text()").getall() == page["links"]
    else:
        assert selector.css(css[page["kind"]]).getall() == page["links"]
    assert selector.css("a.next-page::attr(href)").get() == page["next_page"]
    known = {p["path"] for p in pages()} | {"/empleos/", "/clasificados/"}
    assert set(page["links"]) <= known


@pytest.mark.parametrize("record", with_text(), ids=record_id)
def test_published_dates_match_the_markup(record: dict[str, Any]) -> None:
    if record["published"] is None or record["outcome"] in {"needs_javascript", "rendered"}:
        return
    selector = Selector(text=page_text(record))
    if "post" in record:
        selector = selector.css(f'div.tgme_widget_message[data-post="{record["post"]}"]')
    assert selector.css("time::attr(datetime)").getall()[:1] == [record["published"]]
    if record.get("json_ld"):
        ld = json.loads(selector.css('script[type="application/ld+json"]::text').get())
        assert (ld["datePosted"], ld["title"]) == (record["published"], record["title"])


def test_channel_pages_list_their_posts() -> None:
    for page in (p for p in pages() if p["kind"] == "channel_page"):
        selector = Selector(text=(site_root() / page["file"]).read_text(encoding="utf-8"))
        posts = selector.css("div.tgme_widget_message::attr(data-post)").getall()
        assert sorted(posts) == sorted(page["posts"])
        more = selector.css("a.tme_messages_more::attr(data-before)").get()
        assert more == (str(page["more_before"]) if page["more_before"] else None)


def test_networks_are_the_ones_the_spec_asks_for() -> None:
    kinds = {
        net["id"]: Counter(member["kind"] for member in net["members"])
        for net in expected()["networks"]
    }
    assert kinds == {
        "A": Counter(job_ad=2, classified_ad=1, channel_post=1),
        "B": Counter(job_ad=1, classified_ad=1),
        "C": Counter(job_ad=1, channel_post=1),
    }
    written_a = {w for m in expected()["networks"][0]["members"] for w in m["written"]}
    assert {"+58 412-555-0147", "0412 5550147", "https://wa.me/584125550147"} <= written_a


def test_network_members_carry_the_identifier_and_nothing_else_does() -> None:
    for net in expected()["networks"]:
        field = "phones" if net["kind"] == "phone" else "emails"
        holders = {record_id(r) for r in records() if net["value"] in r[field]}
        members = {m.get("post") or m["path"] for m in net["members"]}
        assert holders == members
        for member in net["members"]:
            record = next(
                r for r in records() if record_id(r) == (member.get("post") or member["path"])
            )
            assert all(written in page_text(record) for written in member["written"])


def test_the_demo_web_has_the_sizes_the_spec_asks_for() -> None:
    by_site = Counter((r["site"], r["language"]) for r in records() if r["content"] and r["site"])
    jobs = {lang: n for (site, lang), n in by_site.items() if site == "empleosya"}
    assert 10 <= sum(jobs.values()) <= 12 and jobs["en"] == 2 and 2 <= jobs["pt"] <= 3
    ads = {lang: n for (site, lang), n in by_site.items() if site == "clasificados"}
    assert 7 <= sum(ads.values()) <= 8 and ads["pt"] == 1 and ads["en"] == 1
    news = sorted(
        lang for (site, lang), n in by_site.items() if site == "noticias" for _ in range(n)
    )
    assert news == ["en", "es", "es", "pt"]
    assert len(expected()["posts"]) == 8
