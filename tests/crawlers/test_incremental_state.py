"""Issue 13: a page's incremental state is recorded only once its Document is spooled.

The spool here is the real SQLite spool with a trigger that refuses one ad's record during the
first crawl (the spool failing on that append); the next crawl must fetch, parse and spool that
ad again, not skip it as unchanged."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.runner import run_crawl_in_subprocess
from crawlers.spool import SpoolWriter, iter_all
from tests.crawlers.local_server import serve

pytestmark = pytest.mark.e2e

ADS = SourceProfile(
    name="Anuncios",
    site="anuncios",
    kind="classifieds",
    spider="listing",
    start_urls=["/ads/list"],
    links={"detail": "a.ad"},
    fields={"title": "h1", "description": "div.body"},
)
_REFUSE = (
    "CREATE TRIGGER refuse_ad_2 BEFORE INSERT ON pages WHEN NEW.record LIKE '%Anuncio 2%' "
    "BEGIN SELECT RAISE(ABORT, 'spool refused the record'); END"
)


def _pages() -> dict[str, bytes]:
    ad = "<html><body><h1>Anuncio {n}</h1><div class='body'>Se busca personal {n}</div></body>"
    links = "".join(f'<a class="ad" href="/ads/{n}">{n}</a>' for n in (1, 2))
    pages = {f"/ads/{n}": ad.format(n=n).encode() for n in (1, 2)}
    return pages | {"/ads/list": f"<html><body>{links}</body></html>".encode()}


def _spool_sql(path: Path, statement: str) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute(statement)
        db.commit()


def test_a_page_the_spool_refused_is_crawled_again_next_time(tmp_path: Path) -> None:
    config = CrawlerSettings(
        data_dir=tmp_path, download_delay=0, autothrottle=False, obey_robots=False, incremental=True
    )
    SpoolWriter(config.spool_path).close()
    _spool_sql(config.spool_path, _REFUSE)
    with serve(tmp_path, pages=_pages()) as base_url:
        first = run_crawl_in_subprocess([ADS], config, base_url).source("anuncios")
        _spool_sql(config.spool_path, "DROP TRIGGER refuse_ad_2")
        second = run_crawl_in_subprocess([ADS], config, base_url).source("anuncios")
    assert first.documents == 1, "ad 2 was refused by the spool"
    assert (second.documents, second.unchanged) == (1, 2), "ad 2 again; the list and ad 1 not"
    spooled = [d.title for d in iter_all(config.spool_path)]
    assert sorted(spooled) == ["Anuncio 1", "Anuncio 2"]
