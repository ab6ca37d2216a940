"""Scrapy settings built from `CrawlerSettings`: the one place components are switched on.

Our middlewares replace Scrapy's RobotsTxtMiddleware, RedirectMiddleware and
HttpCompressionMiddleware at the same priorities (so forbidden URLs, redirect loops and bodies
over the size cap carry a counted reason); the egress guard runs first of all, on every
request and each redirect hop (crawlers/egress.py); the response check
sits at 580, below HttpCompressionMiddleware (590), so it inspects decompressed bodies of final
responses only (process_response runs from high to low priority).
"""

from __future__ import annotations

from typing import Any

from crawlers.config import CrawlerSettings
from crawlers.egress import ALLOWED_SETTING
from crawlers.incremental import STATE_PATH_SETTING
from crawlers.middlewares import WARC_DIR_SETTING, WARC_MAX_BYTES_SETTING
from crawlers.pipelines import SPOOL_FSYNC_SETTING, SPOOL_PATH_SETTING
from crawlers.progress import PROGRESS_FILE_SETTING

_SCRAPY_MW = "scrapy.downloadermiddlewares"


def _downloader_middlewares() -> dict[str, int | None]:
    return {
        # First: no request to a non-public address (robots.txt ones included) leaves.
        "crawlers.egress.EgressMiddleware": 50,
        f"{_SCRAPY_MW}.httpcompression.HttpCompressionMiddleware": None,
        "crawlers.middlewares.SizeCapMiddleware": 590,
        f"{_SCRAPY_MW}.robotstxt.RobotsTxtMiddleware": None,
        "crawlers.middlewares.RobotsRejectionMiddleware": 100,
        f"{_SCRAPY_MW}.redirect.RedirectMiddleware": None,
        "crawlers.middlewares.LoopAwareRedirectMiddleware": 600,
        "crawlers.middlewares.ResponseCheckMiddleware": 580,
        # Between decompression (590) and the checks: hashes decoded bodies, answers 304s.
        # Off (NotConfigured) unless TRACK4TIP_INCREMENTAL is set.
        "crawlers.incremental.IncrementalMiddleware": 585,
        # Above HttpCompressionMiddleware (590) and HttpCacheMiddleware (900): the capture
        # keeps the body as the server sent it, before anything decodes or checks it.
        "crawlers.middlewares.CaptureMiddleware": 950,
        # Off (NotConfigured) unless the source renders: closes pages, recycles contexts.
        "crawlers.rendering.ContextRecycleMiddleware": 960,
        # Off unless the source renders: a page Chromium was redirected to an internal
        # address is refused after its page is closed (960) and before the capture keeps it
        # (950); process_response runs from high to low.
        "crawlers.egress.RenderedEgressMiddleware": 955,
    }


def scrapy_settings(config: CrawlerSettings) -> dict[str, Any]:
    return {
        "BOT_NAME": "track4tip",
        "USER_AGENT": config.user_agent,
        "ROBOTSTXT_OBEY": config.obey_robots,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrency_per_domain,
        "DOWNLOAD_DELAY": config.download_delay,
        "DOWNLOAD_TIMEOUT": config.download_timeout,
        "AUTOTHROTTLE_ENABLED": config.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(config.download_delay, 1.0),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(config.concurrency_per_domain),
        "HTTPCACHE_ENABLED": config.http_cache,
        "HTTPCACHE_DIR": str(config.http_cache_dir.resolve()),
        "CLOSESPIDER_PAGECOUNT": config.page_limit,
        # Scrapy's own guards, reported by the runner as `starved` (see runner.STARVED).
        "CLOSESPIDER_PAGECOUNT_NO_ITEM": config.starvation_pages,
        "CLOSESPIDER_TIMEOUT_NO_ITEM": config.starvation_seconds,
        "REDIRECT_MAX_TIMES": 5,
        # Per response, after decompression too (SizeCapMiddleware): hostile pages and gzip
        # bombs must not fill memory. Scrapy's defaults are 1 GiB and 32 MiB.
        "DOWNLOAD_MAXSIZE": config.download_max_bytes,
        "DOWNLOAD_WARNSIZE": config.download_max_bytes // 4,
        ALLOWED_SETTING: list(config.crawl_allowed_private_networks),
        "RETRY_TIMES": 1,
        # Cookies could tie our requests together into a profile of the analyst's activity.
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": config.log_level,
        "DOWNLOADER_MIDDLEWARES": _downloader_middlewares(),
        "ITEM_PIPELINES": {"crawlers.pipelines.SpoolPipeline": 300},
        # Off (NotConfigured) until the runner names a progress file for the crawl.
        "EXTENSIONS": {"crawlers.progress.CrawlProgress": 500},
        PROGRESS_FILE_SETTING: "",
        SPOOL_PATH_SETTING: str(config.spool_path.resolve()),
        SPOOL_FSYNC_SETTING: config.spool_fsync,
        WARC_DIR_SETTING: str(config.warc_dir.resolve()),
        WARC_MAX_BYTES_SETTING: config.warc_max_bytes,
        STATE_PATH_SETTING: str(config.state_path.resolve()) if config.incremental else "",
    }
