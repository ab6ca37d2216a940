"""Evidence: a real crawl of the demo web writes WARC files whose records the Documents name;
`verify_captures` (and `track4tip capture verify`) finds tampered and damaged captures."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawlers.capture import (
    SCREENSHOTS,
    CaptureError,
    CaptureProblem,
    WarcStore,
    verify_captures,
)
from crawlers.config import CrawlerSettings
from crawlers.profiles import load_profiles
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from crawlers.spool import iter_all
from index.document import Document
from track4tip.demo_site import DemoSite

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
REALWEB_WARC = Path("/work/shared/realweb/warc")


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[CrawlReport, list[Document], CrawlerSettings]:
    # Small files, so that one crawl rotates through several.
    config = CrawlerSettings(
        data_dir=tmp_path_factory.mktemp("data"),
        download_delay=0,
        autothrottle=False,
        warc_max_bytes=16 * 1024,
    )
    with DemoSite() as site:
        report = run_crawl_in_subprocess(load_profiles(), config, site.base_url)
    return report, list(iter_all(config.spool_path)), config


def _records(warc: Path) -> dict[str, tuple[str, str, bytes]]:
    """record id -> (type, target URI, payload) for every record of a WARC file."""
    found = {}
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle):
            headers = record.rec_headers
            found[headers.get_header("WARC-Record-ID")] = (
                record.rec_type,
                headers.get_header("WARC-Target-URI"),
                record.content_stream().read(),
            )
    return found


def test_every_document_names_its_response_record(crawled) -> None:
    _, documents, config = crawled
    assert documents
    for document in documents:
        capture = document.capture
        assert capture is not None and capture.warc_file and capture.record_id
        kind, uri, payload = _records(config.warc_dir / capture.warc_file)[capture.record_id]
        # a page rendered by Chromium is kept as the DOM it rendered, with a screenshot
        assert kind == ("resource" if capture.screenshot else "response")
        assert hashlib.sha256(payload).hexdigest() == capture.sha256
        # a channel post's URL is its own; its evidence is the channel page it was read from
        assert uri == document.url or "/s/" in uri


def test_every_response_has_a_request_record_and_sha256_digests(crawled) -> None:
    report, _, config = crawled
    types: Counter[str] = Counter()
    for warc in sorted(config.warc_dir.glob("*.warc.gz")):
        with warc.open("rb") as handle:
            for record in ArchiveIterator(handle):
                types[record.rec_type] += 1
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                assert digest.startswith("sha256:")
    assert types["request"] == types["response"]
    # robots.txt is evidence too; rejected pages (truncated, binary, 404) are kept as well
    assert types["response"] >= report.totals.pages_fetched
    assert len(list(config.warc_dir.glob("*.warc.gz"))) > 1, "files rotate at warc_max_bytes"


def test_untouched_captures_verify(crawled) -> None:
    _, _, config = crawled
    report = verify_captures(config.warc_dir)
    assert report.ok, report.problems
    assert report.records > 0 and report.undigested == 0


def _kind(problem: CaptureProblem) -> str:
    """The reason without its detail ("payload digest does not match[: header sha256:...]")."""
    return problem.reason.split(":")[0]


def _unique_window(data: bytes, payload: bytes) -> bytes:
    """12 bytes of the payload that occur nowhere else in the file."""
    for start in range(len(payload) // 2, len(payload) - 12):
        window = payload[start : start + 12]
        if data.count(window) == 1:
            return window
    raise AssertionError("no unique window in the payload")


def test_a_tampered_payload_is_reported_with_its_record(crawled, tmp_path: Path) -> None:
    _, documents, config = crawled
    capture = next(d for d in documents if d.source.site == "clasificados").capture
    assert capture is not None and capture.warc_file and capture.record_id
    source = config.warc_dir / capture.warc_file
    data = gzip.decompress(source.read_bytes())
    window = _unique_window(data, _records(source)[capture.record_id][2])
    tampered = tmp_path / "tampered.warc"
    tampered.write_bytes(data.replace(window, window.swapcase()))  # same length, new bytes
    if (config.warc_dir / SCREENSHOTS).is_dir():  # what the copied records name
        shutil.copytree(config.warc_dir / SCREENSHOTS, tmp_path / SCREENSHOTS)
    report = verify_captures(tampered)
    assert {problem.record_id for problem in report.problems} == {capture.record_id}
    assert sorted(_kind(problem) for problem in report.problems) == [
        "block digest does not match",
        "payload digest does not match",
    ]


def test_a_damaged_gzip_file_is_unreadable_not_a_crash(crawled, tmp_path: Path) -> None:
    _, _, config = crawled
    original = sorted(config.warc_dir.glob("*.warc.gz"))[0].read_bytes()
    damaged = tmp_path / "damaged.warc.gz"
    middle = len(original) // 2
    damaged.write_bytes(original[:middle] + bytes(256) + original[middle + 256 :])
    report = verify_captures(damaged)
    assert not report.ok


def test_a_tampered_screenshot_is_reported(tmp_path: Path) -> None:
    store = WarcStore(tmp_path, max_bytes=1 << 20)
    capture = store.write_rendered("http://127.0.0.1/x", b"<html>x</html>", b"\x89PNG fake")
    store.close()
    assert capture.screenshot is not None
    assert verify_captures(tmp_path).ok
    (tmp_path / capture.screenshot).write_bytes(b"\x89PNG other")
    problems = verify_captures(tmp_path).problems
    assert [(p.file, p.record_id, _kind(p)) for p in problems] == [
        (capture.screenshot, capture.record_id, "screenshot does not match its digest")
    ]


def test_a_new_crawl_never_rewrites_earlier_captures(crawled) -> None:
    _, _, config = crawled
    before = {p.name: p.read_bytes() for p in config.warc_dir.glob("*.warc.gz")}
    with DemoSite() as site:
        run_crawl_in_subprocess(load_profiles()[:1], config, site.base_url)
    after = {p.name: p.read_bytes() for p in config.warc_dir.glob("*.warc.gz")}
    assert set(after) > set(before)
    assert all(after[name] == data for name, data in before.items())


def test_third_party_warc_files_with_bad_digests_are_reported() -> None:
    # warcio's own fixture carries a deliberately wrong payload digest.
    report = verify_captures(REALWEB_WARC / "example-digest.warc")
    mismatches = [p for p in report.problems if _kind(p) == "payload digest does not match"]
    assert [p.offset for p in mismatches] == [0]
    assert verify_captures(REALWEB_WARC / "example.warc.gz").ok


def test_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no captures"):
        verify_captures(tmp_path / "nowhere")


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TRACK4TIP_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "track4tip", "capture", "verify", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_verifies_the_data_dir_and_fails_on_a_mismatch(crawled, tmp_path: Path) -> None:
    _, _, config = crawled
    good = _cli(data_dir=config.data_dir)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "All captures verified." in good.stdout
    bad = _cli(str(REALWEB_WARC / "example-digest.warc"), data_dir=tmp_path)
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout
    missing = _cli(str(tmp_path / "nowhere"), data_dir=tmp_path)
    assert missing.returncode == 2 and "no captures" in missing.stderr
