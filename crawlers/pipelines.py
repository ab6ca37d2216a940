"""Item pipelines: every Document a spider yields is appended to the durable spool.

`SpoolPipeline` is switched on in `crawlers.settings.scrapy_settings` and finds the spool path
in the `TRACK4TIP_SPOOL_PATH` setting (no path: `NotConfigured`, the pipeline is off). It drops,
with a reason and a stats counter, anything that is not a Document and a second Document with a
canonical URL already spooled by this crawl (one page reached through two links).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawlers.rejections import site_key
from crawlers.spool import SpoolWriter
from index.document import Document

logger = logging.getLogger(__name__)

SPOOL_PATH_SETTING = "TRACK4TIP_SPOOL_PATH"
SPOOL_FSYNC_SETTING = "TRACK4TIP_SPOOL_FSYNC"


class SpoolPipeline:
    def __init__(self, path: Path, stats: StatsCollector) -> None:
        self.path = path
        self.stats = stats
        self._writer: SpoolWriter | None = None
        self._seen: set[str] = set()
        self.fsync = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get(SPOOL_PATH_SETTING)
        if not path:
            raise NotConfigured(f"{SPOOL_PATH_SETTING} is not set")
        pipeline = cls(Path(path), crawler.stats)
        pipeline.fsync = crawler.settings.getbool(SPOOL_FSYNC_SETTING)
        return pipeline

    def open_spider(self) -> None:
        self._writer = SpoolWriter(self.path, fsync=self.fsync)

    def close_spider(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _drop(self, site: str, reason: str, message: str) -> DropItem:
        self.stats.inc_value(f"track4tip/dropped/{reason}")
        self.stats.inc_value(site_key(site, f"dropped/{reason}"))
        return DropItem(f"{reason}: {message}")

    async def process_item(self, item: Any) -> Document:
        if not isinstance(item, Document):
            raise self._drop("unknown", "not_a_document", type(item).__name__)
        site = item.source.site
        if item.canonical_url in self._seen:
            raise self._drop(site, "duplicate", item.canonical_url)
        if self._writer is None:
            raise RuntimeError("SpoolPipeline.process_item called before open_spider")
        self._writer.append(item)
        self._seen.add(item.canonical_url)
        self.stats.inc_value(site_key(site, "documents"))
        self.stats.inc_value(site_key(site, "bytes_spooled"), len(item.text.encode("utf-8")))
        return item
