"""Rendering in Chromium (scrapy-playwright), only for pages that need it, in bounded memory.

A source renders every page (`render: true` in its profile), or only pages whose main content
is empty but scripts would fill it (`render_when: needs_javascript`: the spider sends the same
URL again through the browser), or a spider asks for one request (`follow_url(render=True)`).
Everything else goes through Scrapy's plain HTTP handler: a browser page costs a hundred times
more.

Memory stays bounded because browser state never accumulates (scrapy-playwright users report
4 → 18 GB growth without this):

- `ContextRecycleMiddleware` gives each rendered request a context of the current generation
  (`render-<n>`); after `render_pages_per_context` pages, a new generation starts, and an old
  context is closed as soon as its last page is done.
- Pages are opened with `playwright_include_page` so that the middleware closes every page —
  after a response or a failure — before it closes the page's context.
- At most `render_max_contexts` contexts exist at once (scrapy-playwright waits for one to close).

Chromium is Debian's (`/usr/bin/chromium`; `playwright install` cannot download here), run
headless and without background networking or UDP (WebRTC), and keeps its sandbox: the pages
it renders are hostile (Playwright's `chromium_sandbox` is on; Playwright's own default adds
`--no-sandbox`). Chromium cannot start sandboxed as root, so a crawler running as root (CI, a
root container) turns the sandbox off and logs a warning; TRACK4TIP_CHROMIUM_NO_SANDBOX does
the same for an unprivileged container that forbids the sandbox's namespaces. Chromium's
requests go through the egress guard and, every redirect hop included, through the checking
proxy (crawlers/egress.py, crawlers/egress_proxy.py).
Each rendered page gets its declared page actions (scroll / click "load more", repeated), then
a full-page PNG screenshot the capture middleware keeps beside the WARC files.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy_playwright.page import PageMethod

from crawlers.config import CrawlerSettings
from crawlers.egress import PROXY_SETTING, BrowserEgressGuard, EgressPolicy
from crawlers.egress_proxy import EgressProxy
from crawlers.profiles import PageAction

RENDER_SETTING = "TRACK4TIP_RENDER"
PAGES_PER_CONTEXT_SETTING = "TRACK4TIP_RENDER_PAGES_PER_CONTEXT"
_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
logger = logging.getLogger(__name__)
CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # No UDP from a page (WebRTC/STUN could reach internal addresses the guard never sees).
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)
# Runs the profile's page actions in the page: scroll to the bottom, or click a "load more"
# control while it is there, each `times` times with a pause for the content to arrive.
_ACTIONS_JS = """async (actions) => {
  for (const action of actions) {
    for (let i = 0; i < action.times; i++) {
      if (action.kind === "scroll") {
        window.scrollTo(0, document.body.scrollHeight);
        // A headless page may not paint, and scroll events wait for a paint: send one now.
        window.dispatchEvent(new Event("scroll"));
      } else {
        const control = document.querySelector(action.selector);
        if (!control) break;
        control.click();
      }
      await new Promise((done) => setTimeout(done, action.wait_ms));
    }
  }
}"""


def chromium_launch_options(config: CrawlerSettings, as_root: bool | None = None) -> dict[str, Any]:
    """Playwright's launch options: sandboxed, unless Chromium cannot be (root) or is told not
    to be. Playwright itself adds `--no-sandbox` unless `chromium_sandbox` is true."""
    as_root = os.geteuid() == 0 if as_root is None else as_root
    sandbox = not (config.chromium_no_sandbox or as_root)
    if config.chromium_no_sandbox:
        logger.warning("Chromium runs without its sandbox (TRACK4TIP_CHROMIUM_NO_SANDBOX)")
    elif as_root:
        logger.warning("running as root: Chromium cannot be sandboxed and runs without it")
    return {
        "executable_path": str(config.chromium_path),
        "headless": True,
        "args": list(CHROMIUM_ARGS),
        "chromium_sandbox": sandbox,
    }


def proxied_launch_options(options: dict[str, Any], proxy_url: str) -> dict[str, Any]:
    """Every Chromium request through the checking proxy, loopback included: Chromium
    bypasses proxies for loopback unless `<-loopback>` takes that rule out."""
    return options | {"proxy": {"server": proxy_url, "bypass": "<-loopback>"}}


def render_settings(config: CrawlerSettings) -> dict[str, Any]:
    """Scrapy settings that send `playwright` requests through Chromium, and Chromium through
    a checking proxy started here (in the crawl process, before the browser launches; it
    stops with the crawler's engine, see egress._attach_proxy)."""
    policy = EgressPolicy.from_entries(config.crawl_allowed_private_networks)
    proxy = EgressProxy(policy).start()
    return {
        RENDER_SETTING: True,
        PAGES_PER_CONTEXT_SETTING: config.render_pages_per_context,
        "DOWNLOAD_HANDLERS": {"http": _HANDLER, "https": _HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": proxied_launch_options(
            chromium_launch_options(config), proxy.url
        ),
        PROXY_SETTING: proxy,
        # A fresh guard per crawler: EgressMiddleware attaches that crawler's stats to it (and
        # to the proxy). Kept behind the proxy as defence in depth.
        "PLAYWRIGHT_ABORT_REQUEST": BrowserEgressGuard(policy),
        "PLAYWRIGHT_MAX_CONTEXTS": config.render_max_contexts,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": config.concurrency_per_domain,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": config.download_timeout * 1000,
    }


def render_meta(actions: list[PageAction]) -> dict[str, Any]:
    """Request meta that renders the page, runs the actions and takes a screenshot."""
    methods = []
    if actions:
        methods.append(PageMethod("evaluate", _ACTIONS_JS, [a.model_dump() for a in actions]))
    methods.append(PageMethod("screenshot", full_page=True, type="png"))
    return {"playwright": True, "playwright_page_methods": methods}


class ContextRecycleMiddleware:
    """Closes every rendered page, and each browser context once it has served its pages."""

    def __init__(self, pages_per_context: int) -> None:
        self.pages_per_context = pages_per_context
        self._generation = 0
        self._assigned: Counter[str] = Counter()
        self._done: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool(RENDER_SETTING):
            raise NotConfigured("this source renders no page")
        return cls(crawler.settings.getint(PAGES_PER_CONTEXT_SETTING))

    def process_request(self, request: Request) -> None:
        if not request.meta.get("playwright"):
            return
        name = f"render-{self._generation}"
        request.meta["playwright_context"] = name
        request.meta["playwright_include_page"] = True
        self._assigned[name] += 1
        if self._assigned[name] >= self.pages_per_context:
            self._generation += 1

    async def _release(self, request: Request) -> None:
        page = request.meta.pop("playwright_page", None)
        name = request.meta.get("playwright_context")
        if page is None or name is None:
            return
        context = page.context
        await page.close()  # the page first: closing a context under open pages leaks them
        self._done[name] += 1
        finished = self._assigned[name] >= self.pages_per_context
        if finished and self._done[name] == self._assigned[name]:
            await context.close()
            del self._assigned[name], self._done[name]

    async def process_response(self, request: Request, response: Response) -> Response:
        await self._release(request)
        return response

    async def process_exception(self, request: Request, exception: Exception) -> None:
        await self._release(request)
