"""Benchmark of the crawl path: our crawl-and-capture against a bare Scrapy spider, and the
memory of a rendered (Chromium) crawl.

    .venv/bin/python bench/bench_crawl.py                    # 10,000 pages; 2,000 rendered
    .venv/bin/python bench/bench_crawl.py --pages 2000 --rendered 300   # quicker

1. Pages/s: one local server (127.0.0.1, pages in memory) serves listing pages of 100 links and
   the detail pages they link to. The same pages are fetched, in the same run, by
   (a) our full path: `run_crawl` with the listing spider, every middleware (robots, checks,
   capture to WARC, canonical URLs), JSON-LD + selector extraction and the SQLite spool, and
   (b) a bare `scrapy.Spider` following the same links with Scrapy's defaults, no pipeline.
   Both run in a fresh child process with the same concurrency and no delay. Goal: ratio
   (ours / bare) >= 0.8.
2. Memory: a crawl whose every page goes through Chromium (`render: true`, contexts recycled);
   the memory of the crawl process and all its children (Chromium) is sampled every 0.5 s as
   PSS (shared pages counted once, not once per process as RSS would); printed: the peak, and
   the peak in each quarter of the crawl (flat after warm-up
   means the later quarters do not keep growing). Goal: peak < 1.5 GB.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LINKS_PER_LISTING = 100
CONCURRENCY = 16


def _detail(n: int) -> bytes:
    return (
        f"<!doctype html><html><head><title>Oferta {n}</title></head><body>"
        f"<h1 class='t'>Oferta de empleo {n}</h1><span class='c'>Empresa {n % 97}</span>"
        f"<div class='d'><p>Se busca personal para trabajo {n}. " + "Buen salario. " * 40 + "</p>"
        "</div><time datetime='2024-05-01'>1 mayo</time></body></html>"
    ).encode()


def _listing(page: int, pages: int) -> bytes:
    first = page * LINKS_PER_LISTING
    links = "".join(
        f'<a class="ad" href="/o/{n}">{n}</a>'
        for n in range(first, min(first + LINKS_PER_LISTING, pages))
    )
    more = (
        f'<a class="next" href="/l/{page + 1}">más</a>' if first + LINKS_PER_LISTING < pages else ""
    )
    return f"<!doctype html><html><body>{links}{more}</body></html>".encode()


def serve(pages: int) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            kind, _, number = self.path.strip("/").partition("/")
            if kind == "o" and number.isdigit():
                body = _detail(int(number))
            elif kind == "l" and number.isdigit():
                body = _listing(int(number), pages)
            else:
                body = b"User-agent: *\nAllow: /\n" if self.path == "/robots.txt" else b""
            self.send_response(200 if body else 404)
            kind_header = "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8"
            self.send_header("Content-Type", kind_header)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _profile(render: bool) -> Any:
    from crawlers.profiles import SourceProfile

    return SourceProfile(
        name="Bench",
        site="bench",
        kind="job_board",
        spider="listing",
        start_urls=["/l/0"],
        use_jsonld=True,
        render=render,
        links={"detail": "a.ad", "next_page": "a.next"},
        fields={"title": "h1.t", "description": "div.d", "company": "span.c", "date": "time"},
    )


def _ours(base_url: str, data_dir: str, render: bool) -> tuple[float, int, int]:
    from crawlers.config import CrawlerSettings
    from crawlers.runner import run_crawl

    config = CrawlerSettings(
        data_dir=Path(data_dir),
        download_delay=0,
        autothrottle=False,
        concurrency_per_domain=CONCURRENCY,
        starvation_seconds=0,
        log_level="ERROR",
        crawl_allowed_private_networks=["127.0.0.1/32"],  # the benchmark web is on loopback
    )
    report = run_crawl([_profile(render)], config, base_url)
    seconds = (report.finished_at - report.started_at).total_seconds()
    return seconds, report.totals.pages_fetched, report.totals.documents


def _bare(base_url: str) -> tuple[float, int, int]:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Bare(scrapy.Spider):
        name = "bare"
        start_urls = (f"{base_url}/l/0",)

        def parse(self, response: Any, **kwargs: Any) -> Any:
            yield from response.follow_all(css="a.ad", callback=self.parse_detail)
            yield from response.follow_all(css="a.next", callback=self.parse)

        def parse_detail(self, response: Any) -> Any:
            yield {"url": response.url, "title": response.css("h1.t::text").get()}

    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": True,
            "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False,
        }
    )
    crawler = process.create_crawler(Bare)
    process.crawl(crawler)
    started = time.perf_counter()
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return (
        time.perf_counter() - started,
        int(stats.get("response_received_count", 0)),
        int(stats.get("item_scraped_count", 0)),
    )


def in_child(function: Any, *args: Any) -> Any:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(function, args)


def _tree_memory(root: int) -> int:
    """Proportional set size (PSS) of a process and all its descendants, from /proc: Chromium's
    processes share most of their pages, so summing their RSS would count those many times."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def rendered_memory(base_url: str, data_dir: str) -> tuple[list[int], tuple[float, int, int]]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        pid = pool.apply(os.getpid)
        result = pool.apply_async(_ours, (base_url, data_dir, True))
        samples = []
        while not result.ready():
            samples.append(_tree_memory(pid))
            time.sleep(0.5)
        return samples, result.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000, help="detail pages (crawl 1)")
    parser.add_argument("--rendered", type=int, default=2_000, help="pages rendered (crawl 2)")
    args = parser.parse_args()

    server, base_url = serve(args.pages)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            ours = in_child(_ours, base_url, data_dir, False)
        bare = in_child(_bare, base_url)
    finally:
        server.shutdown()
    rate_ours, rate_bare = ours[1] / ours[0], bare[1] / bare[0]
    print(f"crawl of {args.pages} detail pages (+ listings), concurrency {CONCURRENCY}:")
    for label, (seconds, fetched, items), rate in (
        ("ours (capture+spool)", ours, rate_ours),
        ("bare Scrapy", bare, rate_bare),
    ):
        print(
            f"  {label:21} {fetched} pages, {items} items in {seconds:.1f} s = {rate:.0f} pages/s"
        )
    print(f"  ratio ours/bare: {rate_ours / rate_bare:.2f}  (goal >= 0.8)")

    server, base_url = serve(args.rendered)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            samples, rendered = rendered_memory(base_url, data_dir)
    finally:
        server.shutdown()
    mb = [sample / 2**20 for sample in samples] or [0.0]
    quarters = [
        max(mb[len(mb) * q // 4 : max(len(mb) * (q + 1) // 4, 1)] or [0.0]) for q in range(4)
    ]
    seconds, fetched = rendered[0], rendered[1]
    print(f"rendered crawl (Chromium), {args.rendered} pages: {fetched} fetched in {seconds:.1f} s")
    print(f"  peak memory, PSS of crawler + Chromium: {max(mb):.0f} MB  (goal < 1536 MB)")
    print("  peak PSS per quarter of the crawl: " + ", ".join(f"{q:.0f} MB" for q in quarters))


if __name__ == "__main__":
    main()
