"""Evidence: every response written to WARC files, and the reference each Document carries.

`WarcStore` appends records to gzipped WARC 1.1 files under `<data_dir>/warc/`, named
`track4tip-<UTC time>-<random>.warc.gz` and opened in exclusive-create mode, so an existing file
is never reopened, let alone rewritten; a file that reaches `warc_max_bytes` is sealed (a last
`metadata` record naming every record in it, crawlers/capture_format.py) and closed, and the
next record starts a new one. Files are created 0o600 and folders 0o700 whatever the umask
(crawlers/private_files.py): the evidence holds personal data. Every record carries SHA-256
block and payload digests (`sha256:<base32>`, as `warcio check` reads them).

- A plain HTTP exchange becomes a `request` record and a `response` record (the body as the
  server sent it, Content-Encoding included; Scrapy has only taken chunking off).
- A page rendered by Chromium becomes a `resource` record of the rendered DOM (the server's own
  response to the same URL is the earlier plain exchange), and its full-page PNG screenshot a
  file beside the WARC files, `screenshots/<sha256>.png`: the name is the content's digest. A
  `metadata` record refers to the resource and names the screenshot and its digest.

A crash or a failed write must not spoil the records after it. So the records of one capture
are built in memory first (each its own gzip member) and reach the file in one append through
an unbuffered stream; when an append fails, that file is closed unsealed, with the broken
member at its end where `verify_captures` reports it, and the next capture starts a new file.
A screenshot is written to a temporary file in its folder, fsynced and renamed into place, so
its name only ever holds the whole image; it is kept before the records that name it.

A Document's `Capture` names the file, the record id and the SHA-256 (hex) of the payload.
Each capture has reached the operating system before the Document that refers to it reaches
the spool; files are fsynced when closed.

`verify_captures(path)` (crawlers/capture_verify.py) re-reads WARC files, screenshots and the
captures Documents cite, and reports everything that does not verify.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import logging
import os
import secrets
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawlers.capture_format import (
    OWN_PREFIX,
    SCREENSHOT_DIGEST_FIELD,
    SCREENSHOT_FIELD,
    SCREENSHOTS,
    SEAL_COUNT_FIELD,
    SEAL_FIELD,
    SEAL_ID_FIELD,
    TEMPORARY_SUFFIX,
    WARC_SUFFIXES,
    CaptureError,
    warc_fields,
)
from crawlers.capture_verify import CaptureProblem, VerifyReport, capture_files, verify_captures
from crawlers.private_files import create_private, private_dir
from index.document import Capture

__all__ = [
    "SCREENSHOTS",
    "WARC_SUFFIXES",
    "CaptureError",
    "CaptureProblem",
    "VerifyReport",
    "WarcStore",
    "capture_files",
    "verify_captures",
]

logger = logging.getLogger(__name__)
WARC_FIELDS = "application/warc-fields"


class _Sha256WarcWriter(WARCWriter):
    """warcio's writer with SHA-256 instead of SHA-1 digests."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def _buffered_writer() -> tuple[_Sha256WarcWriter, io.BytesIO]:
    """A writer into memory: records are whole before any byte of them reaches a file."""
    buffer = io.BytesIO()
    return _Sha256WarcWriter(buffer, gzip=True, warc_version="1.1"), buffer


def _record_id(record: Any) -> str:
    return str(record.rec_headers.get_header("WARC-Record-ID"))


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _write_all(stream: IO[bytes], data: bytes) -> None:
    """Write every byte: a raw stream may take fewer than it was given."""
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if not written:
            raise OSError(errno.EIO, "the write made no progress")
        view = view[written:]


def _fsync_directory(folder: Path) -> None:
    """Make a new or renamed name in `folder` durable (cheap; not possible everywhere)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


class WarcStore:
    """Appends captures to rotating WARC files in one folder; never reopens a file."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._stream: IO[bytes] | None = None
        self._path: Path | None = None
        self._size = 0
        self._record_ids: list[str] = []  # what the seal will name
        try:
            private_dir(directory)  # evidence holds personal data: owner-only, whatever umask
            private_dir(directory / SCREENSHOTS)
        except OSError as error:
            raise CaptureError(f"cannot create WARC folder {directory}: {error}") from error

    def _open_stream(self, path: Path) -> IO[bytes]:
        """The stream a new WARC file is written through: exclusive (an existing capture is
        never reopened) and unbuffered (an append that returned has reached the OS)."""
        return create_private(path)

    def _current(self) -> tuple[Path, IO[bytes]]:
        if self._path is not None and self._size >= self.max_bytes:
            self._seal_and_close()
        if self._path is None or self._stream is None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            path = self.directory / f"{OWN_PREFIX}{stamp}-{secrets.token_hex(4)}.warc.gz"
            try:
                self._stream = self._open_stream(path)
            except OSError as error:
                raise CaptureError(f"cannot create {path}: {error}") from error
            self._path, self._size, self._record_ids = path, 0, []
        return self._path, self._stream

    def _append(self, data: bytes, record_ids: list[str]) -> str:
        """Append whole records; the name of the file they are in."""
        path, stream = self._current()
        try:
            _write_all(stream, data)
        except OSError as error:
            self._abandon()
            raise CaptureError(
                f"writing to {path.name} failed ({error}); it is closed unsealed and the next "
                "capture starts a new file"
            ) from error
        self._size += len(data)
        self._record_ids.extend(record_ids)
        return path.name

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
        writer, buffer = _buffered_writer()
        method, target = request_line
        http_request = StatusAndHeaders(
            f"{method} {target} {protocol}", request_headers, is_http_request=True
        )
        # length=0: without one warcio buffers the empty payload in temporary files twice
        # and closes only one of them.
        request = writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), length=0, http_headers=http_request
        )
        http_response = StatusAndHeaders(_status_line(status), response_headers, protocol=protocol)
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http_response
        )
        writer.write_request_response_pair(request, response)
        name = self._append(buffer.getvalue(), [_record_id(response), _record_id(request)])
        return Capture(
            sha256=hashlib.sha256(body).hexdigest(), warc_file=name, record_id=_record_id(response)
        )

    def write_rendered(self, url: str, html: bytes, screenshot: bytes | None) -> Capture:
        """The DOM Chromium rendered, as a resource record, and its screenshot file."""
        # The screenshot first: no record may name a screenshot that a crash kept from disk.
        shot = self._write_screenshot(screenshot) if screenshot is not None else None
        writer, buffer = _buffered_writer()
        record = writer.create_warc_record(
            url,
            "resource",
            payload=io.BytesIO(html),
            length=len(html),
            warc_content_type="text/html; charset=utf-8",
            warc_headers_dict={"WARC-Source-URI": url, "WARC-Resource-Type": "rendered-dom"},
        )
        writer.write_record(record)
        records = [record]
        if shot is not None:
            records.append(_screenshot_record(writer, url, _record_id(record), *shot))
            writer.write_record(records[-1])
        name = self._append(buffer.getvalue(), [_record_id(each) for each in records])
        return Capture(
            sha256=hashlib.sha256(html).hexdigest(),
            warc_file=name,
            record_id=_record_id(record),
            screenshot=shot[0] if shot else None,
        )

    def _write_screenshot(self, png: bytes) -> tuple[str, str]:
        """Keep a screenshot under its digest; its name (relative to the folder) and digest."""
        digest = hashlib.sha256(png).hexdigest()
        name = f"{SCREENSHOTS}/{digest}.png"
        path = self.directory / name
        if path.exists():  # the same bytes already kept are the same evidence
            return name, digest
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")
        try:
            with create_private(temporary) as handle:
                _write_all(handle, png)
                os.fsync(handle.fileno())
            os.replace(temporary, path)  # atomic: the name never holds part of an image
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise CaptureError(f"cannot keep screenshot {name}: {error}") from error
        _fsync_directory(path.parent)
        return name, digest

    def _seal_and_close(self) -> None:
        """End the file with its seal, then fsync and close it."""
        if self._path is None or self._stream is None:
            return
        writer, buffer = _buffered_writer()
        writer.write_record(_seal_record(writer, self._path.name, self._record_ids))
        try:
            _write_all(self._stream, buffer.getvalue())
        except OSError as error:
            logger.warning("cannot seal %s (%s); it stays unsealed", self._path.name, error)
        self._abandon()

    def _abandon(self) -> None:
        """Close the file as it is (after a failed write: unsealed, its broken tail at the end,
        where verify reports it); the next capture starts a new file."""
        if self._stream is not None:
            with contextlib.suppress(OSError, ValueError):
                os.fsync(self._stream.fileno())
            with contextlib.suppress(OSError):
                self._stream.close()
        self._stream = self._path = None
        self._size, self._record_ids = 0, []
        _fsync_directory(self.directory)

    def close(self) -> None:
        self._seal_and_close()


def _screenshot_record(
    writer: _Sha256WarcWriter, url: str, refers_to: str, name: str, digest: str
) -> Any:
    block = warc_fields([(SCREENSHOT_FIELD, name), (SCREENSHOT_DIGEST_FIELD, digest)])
    return writer.create_warc_record(
        url,
        "metadata",
        payload=io.BytesIO(block),
        length=len(block),
        warc_content_type=WARC_FIELDS,
        warc_headers_dict={"WARC-Refers-To": refers_to},
    )


def _seal_record(writer: _Sha256WarcWriter, file_name: str, record_ids: list[str]) -> Any:
    fields = [(SEAL_FIELD, file_name), (SEAL_COUNT_FIELD, str(len(record_ids)))]
    block = warc_fields(fields + [(SEAL_ID_FIELD, record_id) for record_id in record_ids])
    return writer.create_warc_record(
        None,
        "metadata",
        payload=io.BytesIO(block),
        length=len(block),
        warc_content_type=WARC_FIELDS,
    )
