"""Take-downs on a card board (crawlers/takedowns.py), over a copy of the demo web's job
listing (tests/site/empleos/, two listing pages of cards), re-crawled incrementally after cards
are removed: a removed card whose page answers 404 is taken down at once, one whose page still
answers after `takedown_after_absences` crawls, and a listing that was not fully crawled takes
nothing down. A vanished listing page is never spooled as a take-down of itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.runner import run_crawl_in_subprocess
from crawlers.spool import iter_all
from index.document import Status
from tests.crawlers.local_server import serve

pytestmark = pytest.mark.e2e

SITE = Path(__file__).resolve().parents[1] / "site"
LISTING = "empleos/index.html"


def _cards_profile(absences: int) -> SourceProfile:
    return SourceProfile(
        name="EmpleosYa (tarjetas)",
        site="empleosya_cards",
        kind="job_board",
        spider="listing",
        start_urls=["/empleos/"],
        cards={"item": "li.card", "link": "a.job-link::attr(href)", "fields": {"title": "a"}},
        links={"next_page": "a.next-page"},
        takedown_after_absences=absences,
    )


def _copy_site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    return root


def _remove_card(root: Path, detail: str) -> None:
    page = root / LISTING
    html = page.read_text(encoding="utf-8")
    start = html.index(f'href="/empleos/{detail}"')
    card_start, card_end = html.rindex('<li class="card">', 0, start), html.index("</li>", start)
    page.write_text(html[:card_start] + html[card_end + len("</li>") :], encoding="utf-8")


def _config(data_dir: Path) -> CrawlerSettings:
    return CrawlerSettings(
        data_dir=data_dir, download_delay=0, autothrottle=False, obey_robots=False, incremental=True
    )


def _taken_down_urls(config: CrawlerSettings) -> list[str]:
    spooled = iter_all(config.spool_path)
    return [d.url.rsplit("/", 1)[-1] for d in spooled if d.status == Status.TAKEN_DOWN]


def test_removed_cards_are_taken_down_by_404_at_once_or_after_absences(tmp_path: Path) -> None:
    root, config, profile = _copy_site(tmp_path), _config(tmp_path / "data"), _cards_profile(2)
    with serve(root) as base_url:
        first = run_crawl_in_subprocess([profile], config, base_url).source(profile.site)
        _remove_card(root, "cocinero-restaurante-bogota.html")
        (root / "empleos" / "cocinero-restaurante-bogota.html").unlink()  # its page: 404
        _remove_card(root, "promotoras-aruba.html")  # its page still answers
        second = run_crawl_in_subprocess([profile], config, base_url).source(profile.site)
        assert _taken_down_urls(config) == ["cocinero-restaurante-bogota.html"]
        third = run_crawl_in_subprocess([profile], config, base_url).source(profile.site)
    assert (first.documents, first.taken_down) == (13, 0)
    assert (second.taken_down, second.unchanged, second.documents) == (1, 11, 1)
    assert second.errors == {}, "a card found gone is no error"
    assert (third.taken_down, third.documents) == (1, 1), "second absence in a row, page up"
    assert _taken_down_urls(config) == ["cocinero-restaurante-bogota.html", "promotoras-aruba.html"]
    gone = [d for d in iter_all(config.spool_path) if d.status == Status.TAKEN_DOWN]
    assert all(d.text == "" and d.taken_down_at is not None for d in gone)
    assert gone[0].capture is not None and gone[0].capture.warc_file, "the 404 is the evidence"


def test_a_listing_not_fully_crawled_takes_nothing_down_not_even_its_vanished_page(
    tmp_path: Path,
) -> None:
    root, config, profile = _copy_site(tmp_path), _config(tmp_path / "data"), _cards_profile(1)
    with serve(root) as base_url:
        run_crawl_in_subprocess([profile], config, base_url)
        (root / "empleos" / "pagina-2.html").unlink()  # a listing page, recorded last crawl
        second = run_crawl_in_subprocess([profile], config, base_url).source(profile.site)
    assert second.taken_down == 0, "6 cards missing, but the listing was not seen whole"
    assert second.errors == {"http_404": 1}, "the vanished listing page is an error"
    assert _taken_down_urls(config) == [], "never a take-down of a listing page"
