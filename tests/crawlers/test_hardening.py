"""The crawler's hardening, part by part: which addresses the egress guard refuses, its setting,
the size cap and egress guard switched on, Chromium's sandbox (a real sandboxed Chromium as an
unprivileged user), JSON-LD nested 100 000 deep, and owner-only files under umask 0o000."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector
from pydantic import ValidationError

from crawlers.capture import WarcStore
from crawlers.config import CrawlerSettings
from crawlers.egress import EgressPolicy
from crawlers.incremental import CrawlState
from crawlers.jsonld import extract_job_posting
from crawlers.rendering import chromium_launch_options
from crawlers.runner import CrawlReport, log_file_settings, private_crawl_outputs, write_report
from crawlers.settings import scrapy_settings
from crawlers.spool import SpoolWriter
from crawlers.takedowns import CardState
from tests.factories import make_document

ALLOWED = "TRACK4TIP_CRAWL_ALLOWED_PRIVATE_NETWORKS"
NOBODY = 65534


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",  # loopback, written as IPv6
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert EgressPolicy().refusal("host", [address]) is not None


def test_public_addresses_and_the_allow_list_pass() -> None:
    assert EgressPolicy().refusal("example.org", ["93.184.215.14", "2606:2800:21f::1"]) is None
    # One internal address among public ones is enough to refuse (Chromium may pick any).
    assert EgressPolicy().refusal("mixed.example", ["93.184.215.14", "10.0.0.1"]) is not None
    policy = EgressPolicy.from_entries(["10.0.0.0/8", "Demo.Internal"])
    assert policy.refusal("board.lan", ["10.9.9.9"]) is None
    assert policy.refusal("demo.internal", ["192.168.0.1"]) is None
    assert policy.refusal("elasticsearch", ["172.18.0.2"]) is not None


def test_the_allow_list_setting_is_empty_by_default_and_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ALLOWED, raising=False)
    assert CrawlerSettings().crawl_allowed_private_networks == []
    monkeypatch.setenv(ALLOWED, "127.0.0.1, 10.0.0.0/8,demo.internal")
    assert CrawlerSettings().crawl_allowed_private_networks == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "demo.internal",
    ]
    monkeypatch.setenv(ALLOWED, "10.0.0.0/33")
    with pytest.raises(ValidationError, match="crawl_allowed_private_networks"):
        CrawlerSettings()


def test_scrapy_settings_cap_sizes_and_guard_egress_first(tmp_path: Path) -> None:
    settings = scrapy_settings(CrawlerSettings(data_dir=tmp_path))
    assert settings["DOWNLOAD_MAXSIZE"] == 20 * 1024 * 1024
    assert settings["DOWNLOAD_WARNSIZE"] == 5 * 1024 * 1024
    middlewares = settings["DOWNLOADER_MIDDLEWARES"]
    assert min(p for p in middlewares.values() if p is not None) == 50
    assert middlewares["crawlers.egress.EgressMiddleware"] == 50
    assert middlewares["crawlers.middlewares.SizeCapMiddleware"] == 590


def test_chromium_keeps_its_sandbox_unless_root_or_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = CrawlerSettings(data_dir=tmp_path)
    assert chromium_launch_options(config, as_root=False)["chromium_sandbox"] is True
    assert "--no-sandbox" not in chromium_launch_options(config, as_root=False)["args"]
    with caplog.at_level(logging.WARNING, logger="crawlers.rendering"):
        assert chromium_launch_options(config, as_root=True)["chromium_sandbox"] is False
    assert "cannot be sandboxed" in caplog.text
    told = config.model_copy(update={"chromium_no_sandbox": True})
    assert chromium_launch_options(told, as_root=False)["chromium_sandbox"] is False


def test_chromium_starts_sandboxed_as_an_unprivileged_user(tmp_path: Path) -> None:
    """The launch the crawler makes outside root, with its flags and no --no-sandbox."""
    options = chromium_launch_options(CrawlerSettings(data_dir=tmp_path), as_root=False)
    as_root = os.geteuid() == 0
    # pytest's tmp_path sits in a folder only root may enter; nobody needs one it can reach.
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        home, page = root / "home", root / "page.html"
        home.mkdir()
        page.write_text("<html><body>sandboxed</body></html>", encoding="utf-8")
        as_user: dict[str, Any] = {}
        if as_root:  # CI runs as root: start it as nobody, as the container's user
            root.chmod(0o755)
            page.chmod(0o644)
            os.chown(home, NOBODY, NOBODY)
            as_user = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        command = [options["executable_path"], "--headless", *options["args"]]
        command += [f"--user-data-dir={home / 'profile'}", "--dump-dom", page.as_uri()]
        result = subprocess.run(
            command,
            env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            **as_user,
        )
    assert "sandboxed" in result.stdout, result.stderr[-2000:]


def _nested(depth: int, opening: str, closing: str, inner: str) -> str:
    return opening * depth + inner + closing * depth


@pytest.mark.parametrize(
    "hostile",
    [
        _nested(100_000, "[", "]", "1"),
        _nested(100_000, '{"@graph": ', "}", "{}"),
        # Within what the decoder takes, but deep enough for a recursive walk to fail.
        _nested(900, "[", "]", '{"@type": "JobPosting", "title": "deep"}'),
        '{"@type": "JobPosting", "title": ' + _nested(900, "[", "]", '"t"') + "}",
    ],
)
def test_deeply_nested_json_ld_is_no_crash(hostile: str) -> None:
    scripts = [hostile, '{"@type": "JobPosting", "title": "Cocinera"}']
    tags = "".join(f'<script type="application/ld+json">{s}</script>' for s in scripts)
    posting = extract_job_posting(Selector(text=f"<html><head>{tags}</head></html>"))
    assert posting is not None
    assert posting.title in {"Cocinera", "t", ""}


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o000)  # the most permissive umask a container or cron job may have
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.usefixtures("open_umask")
def test_captures_screenshots_and_the_spool_are_owner_only(tmp_path: Path) -> None:
    warc_dir = tmp_path / "data" / "warc"
    store = WarcStore(warc_dir, max_bytes=1 << 20)
    store.write_exchange(
        "http://127.0.0.1/a", ("GET", "/a"), [("Host", "127.0.0.1")], 200, [], b"<html></html>"
    )
    capture = store.write_rendered("http://127.0.0.1/b", b"<html></html>", b"\x89PNG fake")
    store.close()
    spool = tmp_path / "data" / "spool.sqlite"
    writer = SpoolWriter(spool)
    writer.append(make_document())
    files = [*warc_dir.glob("*.warc.gz"), warc_dir / str(capture.screenshot), spool]
    files += [spool.with_name("spool.sqlite-wal"), spool.with_name("spool.sqlite-shm")]
    modes = {path.name: _mode(path) for path in files}
    writer.close()
    assert len(modes) == 5 and set(modes.values()) == {0o600}, modes
    for folder in (tmp_path / "data", warc_dir, warc_dir / "screenshots"):
        assert _mode(folder) == 0o700, folder


@pytest.mark.usefixtures("open_umask")
def test_the_crawl_state_is_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "state" / "crawl-state.sqlite"
    CrawlState(state)
    CardState(state)  # the cards' table lives in the same file
    assert _mode(state) == 0o600 and _mode(state.parent) == 0o700


@pytest.mark.usefixtures("open_umask")
def test_reports_logs_and_scrapy_folders_are_owner_only(tmp_path: Path) -> None:
    """The crawl report, crawl.log, the progress file, the HTTP cache and JOBDIRs name the URLs
    fetched (the cache and JOBDIRs hold pages and queued requests too)."""
    jobs = tmp_path / "jobs"
    config = CrawlerSettings(data_dir=tmp_path / "data", http_cache=True, job_dir=jobs)
    now = datetime.now(UTC)
    report = write_report(
        CrawlReport(started_at=now, finished_at=now, sources=[]), config.crawls_dir
    )
    log_file = Path(log_file_settings(config)["LOG_FILE"])
    progress_file = tmp_path / "progress" / "progress.jsonl"
    private_crawl_outputs(config, ["example.org"], progress_file)
    files = [report, log_file, progress_file]
    folders = [config.crawls_dir, log_file.parent, config.http_cache_dir]
    folders += [jobs / "example.org", progress_file.parent]
    assert [path for path in files + folders if _mode(path) & 0o077] == []
    assert _mode(report) == _mode(log_file) == _mode(progress_file) == 0o600
