"""Evidence: every response written to WARC files, and the reference each Document carries.

`WarcStore` appends records to gzipped WARC 1.1 files under `<data_dir>/warc/`, named
`track4tip-<UTC time>-<random>.warc.gz` and opened in exclusive-create mode, so an existing file
is never reopened, let alone rewritten; a file that reaches `warc_max_bytes` is closed and the
next record starts a new one. Every record carries SHA-256 block and payload digests
(`sha256:<base32>`, as `warcio check` reads them).

- A plain HTTP exchange becomes a `request` record and a `response` record (the body as the
  server sent it, Content-Encoding included; Scrapy has only taken chunking off).
- A page rendered by Chromium becomes a `resource` record of the rendered DOM (the server's own
  response to the same URL is the earlier plain exchange), and its full-page PNG screenshot a
  file beside the WARC files, `screenshots/<sha256>.png`: the name is the content's digest.

A Document's `Capture` names the file, the record id and the SHA-256 (hex) of the payload.
Each record is flushed to the operating system before the Document that refers to it reaches
the spool; files are fsynced when closed.

`verify_captures(path)` re-reads WARC files (and screenshots) and reports every record whose
digests do not match its bytes, or that cannot be read at all.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from index.document import Capture

WARC_SUFFIXES = (".warc.gz", ".warc")
SCREENSHOTS = "screenshots"


class CaptureError(Exception):
    """A capture cannot be written (the WARC folder is not writable, the disk is full)."""


class _Sha256WarcWriter(WARCWriter):
    """warcio's writer with SHA-256 instead of SHA-1 digests."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


class WarcStore:
    """Appends captures to rotating WARC files in one folder; never reopens a file."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        self._writer: _Sha256WarcWriter | None = None
        try:
            (directory / SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CaptureError(f"cannot create WARC folder {directory}: {error}") from error

    def _open(self) -> _Sha256WarcWriter:
        if self._writer is not None and self._file is not None:
            if self._file.tell() < self.max_bytes:
                return self._writer
            self._close_file()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"track4tip-{stamp}-{secrets.token_hex(4)}.warc.gz"
        try:
            self._file = path.open("xb")  # exclusive: an existing capture is never reopened
        except OSError as error:
            raise CaptureError(f"cannot create {path}: {error}") from error
        self._path = path
        self._writer = _Sha256WarcWriter(self._file, gzip=True, warc_version="1.1")
        return self._writer

    def _capture(self, record: Any, payload: bytes) -> Capture:
        assert self._path is not None
        return Capture(
            sha256=hashlib.sha256(payload).hexdigest(),
            warc_file=self._path.name,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
        )

    def write_exchange(
        self,
        url: str,
        request_line: tuple[str, str],
        request_headers: list[tuple[str, str]],
        status: int,
        response_headers: list[tuple[str, str]],
        body: bytes,
        protocol: str = "HTTP/1.1",
    ) -> Capture:
        """A request record and its response record; the Capture names the response."""
        writer = self._open()
        method, target = request_line
        http_request = StatusAndHeaders(
            f"{method} {target} {protocol}", request_headers, is_http_request=True
        )
        request = writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), http_headers=http_request
        )
        http_response = StatusAndHeaders(_status_line(status), response_headers, protocol=protocol)
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http_response
        )
        writer.write_request_response_pair(request, response)
        self._flush()
        return self._capture(response, body)

    def write_rendered(self, url: str, html: bytes, screenshot: bytes | None) -> Capture:
        """The DOM Chromium rendered, as a resource record, and its screenshot file."""
        writer = self._open()
        record = writer.create_warc_record(
            url,
            "resource",
            payload=io.BytesIO(html),
            length=len(html),
            warc_content_type="text/html; charset=utf-8",
            warc_headers_dict={"WARC-Source-URI": url, "WARC-Resource-Type": "rendered-dom"},
        )
        writer.write_record(record)
        self._flush()
        capture = self._capture(record, html)
        if screenshot is None:
            return capture
        return capture.model_copy(update={"screenshot": self._write_screenshot(screenshot)})

    def _write_screenshot(self, png: bytes) -> str:
        name = f"{SCREENSHOTS}/{hashlib.sha256(png).hexdigest()}.png"
        path = self.directory / name
        if not path.exists():  # the same bytes already kept are the same evidence
            with path.open("xb") as handle:
                handle.write(png)
        return name

    def _flush(self) -> None:
        assert self._file is not None
        self._file.flush()

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        self._file = self._writer = self._path = None

    def close(self) -> None:
        self._close_file()


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptureProblem:
    file: str
    record_id: str | None
    url: str | None
    problem: str


@dataclass
class VerifyReport:
    files: int = 0
    records: int = 0
    screenshots: int = 0
    undigested: int = 0
    problems: list[CaptureProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def capture_files(path: Path) -> list[Path]:
    """The WARC files at `path`: the file itself, or every WARC file under a folder."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES))


def _has_digest(record: Any) -> bool:
    digests = ("WARC-Block-Digest", "WARC-Payload-Digest")
    return any(record.rec_headers.get_header(name) for name in digests)


def _record_problems(record: Any) -> list[str]:
    record.raw_stream.read()  # reading the whole record runs the digest check
    if record.digest_checker.passed is False:
        return list(record.digest_checker.problems) or ["digest mismatch"]
    return []


def _verify_file(path: Path, report: VerifyReport) -> None:
    report.files += 1
    try:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle, check_digests=True):
                report.records += 1
                if not _has_digest(record):  # other tools' warcinfo and request records
                    report.undigested += 1
                    continue
                for problem in _record_problems(record):
                    report.problems.append(
                        CaptureProblem(
                            path.name,
                            record.rec_headers.get_header("WARC-Record-ID"),
                            record.rec_headers.get_header("WARC-Target-URI"),
                            problem,
                        )
                    )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError, zlib.error) as error:
        report.problems.append(CaptureProblem(path.name, None, None, f"unreadable: {error}"))


def _screenshots(path: Path) -> Iterator[Path]:
    folder = path / SCREENSHOTS if path.is_dir() else path.parent / SCREENSHOTS
    if folder.is_dir() and path.is_dir():
        yield from sorted(folder.glob("*.png"))


def verify_captures(path: Path) -> VerifyReport:
    """Re-hash every record of the WARC files at `path` (and the screenshots under it)."""
    if not path.exists():
        raise CaptureError(f"no captures at {path}")
    report = VerifyReport()
    for warc in capture_files(path):
        _verify_file(warc, report)
    for screenshot in _screenshots(path):
        report.screenshots += 1
        digest = hashlib.sha256(screenshot.read_bytes()).hexdigest()
        if screenshot.stem != digest:
            report.problems.append(
                CaptureProblem(f"{SCREENSHOTS}/{screenshot.name}", None, None, "digest mismatch")
            )
    return report
