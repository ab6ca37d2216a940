"""Configuration from TRACK4TIP_* variables, the Scrapy settings built from it, the pipeline."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import ValidationError
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from crawlers.config import CrawlerSettings
from crawlers.pipelines import SpoolPipeline
from crawlers.settings import scrapy_settings
from crawlers.spool import iter_all
from index.document import Document, Source, SourceKind


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACK4TIP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRACK4TIP_PAGE_LIMIT", "25")
    monkeypatch.setenv("TRACK4TIP_OBEY_ROBOTS", "false")
    config = CrawlerSettings()
    assert config.spool_path == tmp_path / "spool.sqlite"
    assert config.crawls_dir == tmp_path / "crawls"
    assert config.page_limit == 25 and config.obey_robots is False
    assert "counter-trafficking research crawler" in config.user_agent


def test_broken_environment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACK4TIP_CONCURRENCY_PER_DOMAIN", "0")
    with pytest.raises(ValidationError, match="concurrency_per_domain"):
        CrawlerSettings()


def test_scrapy_settings_switch_our_components_on(tmp_path: Path) -> None:
    settings = scrapy_settings(
        CrawlerSettings(data_dir=tmp_path, download_delay=0, autothrottle=False)
    )
    assert settings["ROBOTSTXT_OBEY"] is True
    assert settings["TELNETCONSOLE_ENABLED"] is False
    assert settings["AUTOTHROTTLE_ENABLED"] is False and settings["DOWNLOAD_DELAY"] == 0
    assert settings["ITEM_PIPELINES"] == {"crawlers.pipelines.SpoolPipeline": 300}
    middlewares = settings["DOWNLOADER_MIDDLEWARES"]
    assert middlewares["scrapy.downloadermiddlewares.redirect.RedirectMiddleware"] is None
    assert middlewares["crawlers.middlewares.LoopAwareRedirectMiddleware"] == 600
    assert settings["TRACK4TIP_SPOOL_PATH"] == str((tmp_path / "spool.sqlite").resolve())


def _document(url: str) -> Document:
    source = Source(kind=SourceKind.CLASSIFIEDS, site="clasificados", country="PE")
    return Document.collected(source=source, url=url, canonical_url=url, title="t", text="x")


def test_pipeline_spools_documents_and_drops_repeats(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"TRACK4TIP_SPOOL_PATH": str(tmp_path / "spool.sqlite")})
    pipeline = SpoolPipeline.from_crawler(crawler)
    pipeline.open_spider()
    try:
        asyncio.run(pipeline.process_item(_document("http://127.0.0.1/a")))
        with pytest.raises(DropItem, match="duplicate"):
            asyncio.run(pipeline.process_item(_document("http://127.0.0.1/a")))
        with pytest.raises(DropItem, match="not_a_document"):
            asyncio.run(pipeline.process_item({"title": "a dict"}))
    finally:
        pipeline.close_spider()
    assert [d.url for d in iter_all(tmp_path / "spool.sqlite")] == ["http://127.0.0.1/a"]
    stats = crawler.stats.get_stats()
    assert stats["track4tip/clasificados/documents"] == 1
    assert stats["track4tip/clasificados/dropped/duplicate"] == 1


def test_pipeline_is_off_without_a_spool_path() -> None:
    with pytest.raises(NotConfigured):
        SpoolPipeline.from_crawler(get_crawler())
