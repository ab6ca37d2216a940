"""The demo web's content pages and channel posts as LinkInputs, read straight from tests/site.

Field selectors follow tests/site/README.md; entities come from nlp.entities.extraction, as in
analysis.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from parsel import Selector

from linking.linker import LinkInput
from nlp.entities.extraction import extract_entities

SITE = Path(__file__).resolve().parents[1] / "site"
EXPECTED = json.loads((SITE / "expected.json").read_text())
_SELECTORS = {
    "job_ad": ("h1.job-title", "div.job-description", "span.job-contact"),
    "classified_ad": ("h1.ad-title", "div.ad-body", "span.ad-contact"),
    "news_article": ("article h1", "article div.article-body", None),
}


def _text(selector: Selector, css: str | None) -> str:
    if css is None:
        return ""
    return " ".join(" ".join(selector.css(css).xpath(".//text()").getall()).split())


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def page_inputs() -> list[LinkInput]:
    inputs = []
    for page in EXPECTED["pages"]:
        if not page["content"] or page["outcome"] != "document" or not page["site"]:
            continue
        html = Selector((SITE / page["file"]).read_text(encoding="utf-8"))
        title_css, text_css, contact_css = _SELECTORS[page["kind"]]
        fields = {
            "title": _text(html, title_css),
            "text": _text(html, text_css),
            "contact": _text(html, contact_css),
        }
        inputs.append(_input(page["path"], fields, page))
    return inputs


def post_inputs() -> list[LinkInput]:
    inputs = []
    for post in EXPECTED["posts"]:
        page = "index.html" if "before" not in post["page"] else "before-105.html"
        html = Selector((SITE / "s" / "ofertas_exterior" / page).read_text(encoding="utf-8"))
        message = html.css(f'div[data-post="{post["post"]}"] div.tgme_widget_message_text')
        fields = {
            "title": "",
            "text": _text(message, ":scope"),
            "contact": " ".join(message.css("a::attr(href)").getall()),
        }
        inputs.append(_input(post["post"], fields, post))
    return inputs


def _input(doc_id: str, fields: dict[str, str], entry: dict) -> LinkInput:
    country = EXPECTED["sites"][entry["site"]]["country"]
    return LinkInput(
        doc_id=doc_id,
        fields=fields,
        entities=extract_entities(fields, country),
        site=entry["site"],
        country=country,
        date=_date(entry["published"]),
        url=f"http://127.0.0.1:8000{entry.get('path') or entry['url_path']}",
        risky=entry["label"] == "risky",
    )


def expected_networks() -> dict[str, set[str]]:
    """Network id in expected.json -> member document ids (paths, or post ids)."""
    return {
        network["id"]: {member.get("post") or member["path"] for member in network["members"]}
        for network in EXPECTED["networks"]
    }
