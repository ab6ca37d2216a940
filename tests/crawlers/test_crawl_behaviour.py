"""Crawl behaviour over real local servers: incremental re-crawls (conditional requests, content
hashes, a vanished ad marked taken_down through the spool into the index), starvation on an
endless calendar, and resumable crawls (JOBDIR)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.runner import run_crawl_in_subprocess
from crawlers.spool import iter_all
from index.document import Status
from index.embedded import EmbeddedIndex

pytestmark = pytest.mark.e2e


def _ad(n: int, text: str) -> bytes:
    return (
        f"<html><body><h1>Anuncio {n}</h1><div class='body'>{text}</div>"
        f"<time datetime='2024-05-0{n}'>x</time></body></html>"
    ).encode()


class Site:
    """Pages held in memory, changed between crawls; ETags honoured (304), calendar endless."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.requests.append((self.path, self.headers.get("If-None-Match")))
                if self.path.startswith("/cal/"):  # a spider trap: each day links the next
                    day = int(self.path.rsplit("/", 1)[-1] or 0)
                    return self._send(
                        200,
                        f'<html><a class="next" href="/cal/{day + 1}">+1</a></html>'.encode(),
                    )
                body = site.pages.get(self.path)
                if body is None:
                    return self._send(410 if self.path.startswith("/ads/") else 404, b"gone")
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", etag)
                return self._send(200, body, etag)

            def _send(self, status: int, body: bytes, etag: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        return Handler


@contextmanager
def serving(site: Site) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), site.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


ADS = SourceProfile(
    name="Anuncios",
    site="anuncios",
    kind="classifieds",
    spider="listing",
    start_urls=["/ads/list"],
    links={"detail": "a.ad"},
    fields={"title": "h1", "description": "div.body", "date": "time"},
)


def _listing(*numbers: int) -> bytes:
    links = "".join(f'<a class="ad" href="/ads/{n}">{n}</a>' for n in numbers)
    return f"<html><body>{links}</body></html>".encode()


def _config(data_dir: Path, **extra: object) -> CrawlerSettings:
    return CrawlerSettings(
        data_dir=data_dir, download_delay=0, autothrottle=False, obey_robots=False, **extra
    )


def test_incremental_recrawl_skips_unchanged_versions_changed_and_marks_vanished(
    tmp_path: Path,
) -> None:
    site = Site()
    site.pages = {
        "/ads/list": _listing(1, 2, 3),
        "/ads/1": _ad(1, "Se busca cocinera"),
        "/ads/2": _ad(2, "Se busca mesera"),
        "/ads/3": _ad(3, "Viaje pagado a Europa, sin experiencia"),
    }
    config = _config(tmp_path, incremental=True)
    with serving(site) as base_url:
        first = run_crawl_in_subprocess([ADS], config, base_url)
        site.pages["/ads/2"] = _ad(2, "Se busca mesera, pago diario")
        site.pages["/ads/list"] = _listing(1, 2)  # ad 3 is no longer listed ...
        del site.pages["/ads/3"]  # ... and gone
        site.requests.clear()
        second = run_crawl_in_subprocess([ADS], config, base_url)
    assert first.totals.documents == 3 and first.totals.unchanged == 0
    report = second.source("anuncios")
    assert (report.documents, report.unchanged, report.taken_down) == (2, 1, 1)
    assert report.errors == {}, "a vanished ad is no error, an unchanged page no failure"
    asked = dict(site.requests)
    assert asked["/ads/1"] is not None, "known pages are asked for conditionally"
    assert "/ads/3" in asked, "known ads are re-checked even when no listing links them"

    documents = list(iter_all(config.spool_path))
    gone = documents[-1] if documents[-1].status == Status.TAKEN_DOWN else documents[-2]
    assert gone.url == f"{base_url}/ads/3" and gone.text == ""
    assert gone.capture is not None and gone.capture.warc_file, "the 410 answer is its evidence"
    index = EmbeddedIndex(tmp_path / "index")
    index.setup()
    try:
        index.upsert(documents)
        stored = index.get(gone.id)
        assert stored is not None
        assert stored.status == Status.TAKEN_DOWN
        assert stored.text == "Viaje pagado a Europa, sin experiencia", "content kept, only marked"
        assert stored.taken_down_at is not None and stored.last_seen < stored.taken_down_at
        changed = next(d.id for d in documents if d.url.endswith("/ads/2"))
        assert [v.version for v in index.versions(changed)] == [1, 2]
    finally:
        index.close()


def test_a_crawl_that_stops_finding_new_pages_reports_starvation(tmp_path: Path) -> None:
    trap = SourceProfile(
        name="Calendario",
        site="calendario",
        kind="classifieds",
        spider="listing",
        start_urls=["/cal/0"],
        links={"detail": "a.ad", "next_page": "a.next"},
    )
    with serving(Site()) as base_url:
        report = run_crawl_in_subprocess([trap], _config(tmp_path, starvation_pages=25), base_url)
    source = report.source("calendario")
    assert source.starved and source.finish_reason == "closespider_pagecount_no_item"
    assert 25 <= source.pages_fetched < 40
    assert source.documents == 0


def test_a_crawl_with_a_job_dir_can_be_resumed(tmp_path: Path) -> None:
    site = Site()
    site.pages = {"/ads/list": _listing(1, 2), "/ads/1": _ad(1, "uno"), "/ads/2": _ad(2, "dos")}
    config = _config(tmp_path, job_dir=tmp_path / "jobs")
    with serving(site) as base_url:
        first = run_crawl_in_subprocess([ADS], config, base_url)
        site.requests.clear()
        again = run_crawl_in_subprocess([ADS], config, base_url)
    assert first.totals.documents == 2
    assert (tmp_path / "jobs" / "anuncios" / "requests.seen").is_file()
    # The job's seen requests persist: run again, the finished job fetches nothing twice.
    assert again.totals.documents == 0 and site.requests == []
