"""Verification of captures: `verify_captures(path)` re-reads WARC files byte by byte and says
what is wrong with them, with the file, the offset and the record.

warcio is built to replay archives, not to judge them: it writes a gzip error to stderr and
carries on, reads a short record without complaint, and leaves its digest check at `None` when
a record ends early. So the verifier frames the files itself, and passes nothing it has not
checked:

- gzip: every member must decompress to its end, CRC and length included; a member that does
  not is reported, and reading resumes at the next member that does (so the records after a
  damaged or half-written member are still verified);
- framing: every record starts with `WARC/`, carries a Content-Length, holds that many bytes
  and ends with CRLF CRLF; a short or overlong record is reported, not read short;
- digests: every record must carry a block digest, and every request, response, resource and
  metadata record a payload digest, and each must match its bytes (a missing digest is a
  failure; only `warcinfo` records, which describe the file, may carry none);
- pairs: a request whose response is not in its file is reported, and in track4tip's own files
  so is a response without its request;
- seal (crawlers/capture_format.py): a sealed file must hold exactly the records its seal
  names; a file of ours without a seal is listed as unsealed (the crawler is still writing it,
  or it stopped without closing it), a warning rather than a failure;
- screenshots: each one a WARC names, or a Document cites, must exist and hash to its name;
- citations: when a data dir is given, or the WARC folder sits in one (`<data dir>/warc`),
  every capture a Document in the spool or the embedded index cites must be in the WARC it
  names, with the SHA-256 it cites.

Imports neither warcio nor the Document model: spool and index are read as SQLite and JSON.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mmap
import os
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

from crawlers.capture_format import (
    OWN_PREFIX,
    SCREENSHOT_DIGEST_FIELD,
    SCREENSHOT_FIELD,
    SCREENSHOTS,
    SEAL_COUNT_FIELD,
    SEAL_FIELD,
    SEAL_ID_FIELD,
    WARC_SUFFIXES,
    CaptureError,
    parse_warc_fields,
)

# Where a data dir keeps the Documents that cite captures. They mirror
# CrawlerSettings.spool_path and index.embedded.RECORDS_FILE under IndexSettings.embedded_dir
# (a test holds them together), written out so that verifying imports neither.
SPOOL_FILE = Path("spool.sqlite")
INDEX_RECORDS_FILE = Path("index") / "records.sqlite"

GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 20
_SALVAGE_LIMIT = 16 * 1024  # a record's headers come first; no need to go further
_HTTP_TYPES = ("response", "request", "revisit")  # warcio parses HTTP headers in these
_PAYLOAD_DIGEST_TYPES = ("response", "request", "resource", "metadata", "conversion")
_UNDIGESTED_TYPES = ("warcinfo",)  # describes the file; the only record allowed no digest
_ANSWERS = ("response", "revisit")  # what a request's WARC-Concurrent-To may name


@dataclass(frozen=True)
class CaptureProblem:
    """One thing wrong with the captures: where (file, offset, record) and why."""

    file: str
    record_id: str | None
    url: str | None
    reason: str
    offset: int | None = None

    @property
    def problem(self) -> str:
        return self.reason if self.offset is None else f"at offset {self.offset}: {self.reason}"


@dataclass
class VerifyReport:
    files: int = 0
    records: int = 0
    screenshots: int = 0
    citations: int = 0
    undigested: int = 0
    data_dir: Path | None = None  # where the citations checked were read from
    unsealed: list[str] = field(default_factory=list)
    problems: list[CaptureProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- reading WARC files ---------------------------------------------------------------------


@dataclass(frozen=True)
class WarcRecord:
    """One record as framed from the file; `offset` is its gzip member's (or its own)."""

    offset: int
    headers: dict[str, list[str]]
    block: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def type(self) -> str:
        return self.header("WARC-Type") or ""

    @property
    def record_id(self) -> str | None:
        return self.header("WARC-Record-ID")

    @property
    def uri(self) -> str | None:
        return self.header("WARC-Target-URI")

    @property
    def payload(self) -> bytes:
        """The block without its HTTP headers, where warcio would parse them."""
        if self.type in _HTTP_TYPES and (self.uri or "").startswith(("http:", "https:")):
            return self.block[_http_headers_end(self.block) :]
        return self.block


@dataclass(frozen=True)
class Damage:
    """Bytes that do not read as a whole, well-framed record."""

    offset: int
    reason: str
    record_id: str | None = None
    url: str | None = None


def _http_headers_end(block: bytes) -> int:
    """Where the payload starts: after the first blank line that follows the status line."""
    position, first = 0, True
    while position < len(block):
        newline = block.find(b"\n", position)
        end = len(block) if newline == -1 else newline + 1
        if not first and not block[position:end].strip():
            return end
        position, first = end, False
    return len(block)


def iter_warc(data: bytes | mmap.mmap, gzipped: bool) -> Iterator[WarcRecord | Damage]:
    """Every record of a WARC file's bytes, and every stretch that is not one, in order."""
    if not gzipped:
        yield from _split_records(data)
        return
    for item in _gzip_members(data):
        if isinstance(item, Damage):
            yield item
            continue
        offset, content = item
        # The member's offset, not one inside its decompressed bytes: that is where a reader
        # (or `warcio index`) can seek to.
        for entry in _split_records(content):
            yield replace(entry, offset=offset)


def _gzip_members(data: bytes | mmap.mmap) -> Iterator[tuple[int, bytes] | Damage]:
    offset = 0
    while offset < len(data):
        try:
            content, end = _inflate(data, offset)
        except zlib.error as error:
            resume = _next_member(data, offset + 1)
            yield Damage(
                offset,
                f"gzip member does not decompress ({error}); "
                f"{resume - offset} bytes up to offset {resume} cannot be read",
                *_salvage_ids(_inflate_until_error(data, offset, resume)),
            )
            offset = resume
            continue
        if end is None:
            yield Damage(
                offset,
                f"gzip member is cut off: the file ends inside it, {len(data) - offset} bytes "
                "in (a write that failed or was interrupted, or a truncated file)",
                *_salvage_ids(content),
            )
            return
        yield offset, content
        offset = end


def _inflate_until_error(data: bytes | mmap.mmap, start: int, end: int) -> bytes:
    """What a damaged member yields before the damage, fed in small pieces to keep most of it."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts = []
    for position in range(start, min(end, start + _SALVAGE_LIMIT), 16):
        try:
            parts.append(inflater.decompress(data[position : min(end, position + 16)]))
        except zlib.error:
            break
    return b"".join(parts)


def _salvage_ids(partial: bytes) -> tuple[str | None, str | None]:
    """The record id and URI of a damaged record, where its headers came through."""
    if not partial.startswith(b"WARC/"):
        return None, None
    # whole header lines only (a value cut short is no id), and never the body
    end = partial.find(b"\r\n\r\n")
    head = partial[: end + 2] if end != -1 else partial[: partial.rfind(b"\r\n") + 2]
    found = []
    for name in (rb"WARC-Record-ID", rb"WARC-Target-URI"):
        match = re.search(rb"\r\n" + name + rb":[ \t]*([^\r\n]+)\r\n", head, re.IGNORECASE)
        found.append(match.group(1).decode("utf-8", "replace").strip() if match else None)
    return found[0], found[1]


def _inflate(data: bytes | mmap.mmap, start: int) -> tuple[bytes, int | None]:
    """One gzip member's content and where it ends (None: the data ends first).

    zlib checks the member's CRC-32 and length at its end and raises on a mismatch.
    """
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts, position = [], start
    while not inflater.eof and position < len(data):
        chunk = data[position : position + _CHUNK]
        parts.append(inflater.decompress(chunk))
        position += len(chunk)
    if not inflater.eof:
        return b"".join(parts), None
    return b"".join(parts), position - len(inflater.unused_data)


def _next_member(data: bytes | mmap.mmap, start: int) -> int:
    """The next offset where a whole gzip member holding a WARC record starts."""
    position = data.find(GZIP_MAGIC, start)
    while position != -1:
        try:
            content, end = _inflate(data, position)
        except zlib.error:
            content, end = b"", None
        if end is not None and content.startswith(b"WARC/"):
            return position
        position = data.find(GZIP_MAGIC, position + 1)
    return len(data)


def _split_records(data: bytes | mmap.mmap) -> Iterator[WarcRecord | Damage]:
    position = _skip_blank_lines(data, 0)
    while position < len(data):
        item, position = _parse_record(data, position)
        yield item
        position = _skip_blank_lines(data, position)


def _skip_blank_lines(data: bytes | mmap.mmap, position: int) -> int:
    """Blank lines between records (some writers leave extra ones) belong to no record."""
    while True:
        if data[position : position + 2] == b"\r\n":
            position += 2
        elif data[position : position + 1] == b"\n":
            position += 1
        else:
            return position


def _parse_record(data: bytes | mmap.mmap, start: int) -> tuple[WarcRecord | Damage, int]:
    """The record at `start` and where the next one starts."""
    if data[start : start + 5] != b"WARC/":
        return Damage(start, "not a WARC record (no WARC/ version line)"), _resync(data, start)
    header_end = data.find(b"\r\n\r\n", start)
    if header_end == -1:
        return Damage(start, "record headers are cut off"), len(data)
    headers = _parse_headers(data[start:header_end])
    record_id, uri = _first(headers, "warc-record-id"), _first(headers, "warc-target-uri")
    length = _content_length(headers)
    if length is None:
        damage = Damage(start, "record has no valid Content-Length", record_id, uri)
        return damage, _resync(data, header_end)
    block_start = header_end + 4
    block_end = block_start + length
    if block_end > len(data):
        left = len(data) - block_start
        damage = Damage(
            start, f"record is short: Content-Length {length}, {left} bytes left", record_id, uri
        )
        return damage, _resync(data, block_start)
    if data[block_end : block_end + 4] != b"\r\n\r\n":
        reason = "record does not end where its Content-Length says (bytes changed or cut off)"
        return Damage(start, reason, record_id, uri), _resync(data, block_start)
    return WarcRecord(start, headers, bytes(data[block_start:block_end])), block_end + 4


def _resync(data: bytes | mmap.mmap, start: int) -> int:
    """Where the next line that starts a WARC record is, after damage at `start`."""
    found = data.find(b"\r\nWARC/", start + 1)
    return len(data) if found == -1 else found + 2


def _parse_headers(raw: bytes) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in raw.decode("utf-8", "replace").split("\r\n")[1:]:
        if line[:1] in (" ", "\t") and last:  # a folded continuation line
            last[-1] = f"{last[-1]} {line.strip()}"
            continue
        name, _, value = line.partition(":")
        last = headers.setdefault(name.strip().lower(), [])
        last.append(value.strip())
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _content_length(headers: dict[str, list[str]]) -> int | None:
    value = _first(headers, "content-length")
    if value is None or not value.isdigit():
        return None
    return int(value)


# --- checking records -----------------------------------------------------------------------


def _digest_problems(record: WarcRecord, own: bool) -> list[str]:
    """The block digest covers every byte of the block, so every record must carry one. The
    payload digest is what a Capture cites: track4tip writes one on every record that has a
    payload, so in its files one missing was taken off; other tools' are checked if present."""
    block_digest = record.header("WARC-Block-Digest")
    payload_digest = record.header("WARC-Payload-Digest")
    problems = _digest_problem("block", block_digest, record.block, required=True)
    if record.type in _PAYLOAD_DIGEST_TYPES:
        required = own
        problems += _digest_problem("payload", payload_digest, record.payload, required=required)
    return problems


def _digest_problem(kind: str, declared: str | None, data: bytes, *, required: bool) -> list[str]:
    if not declared:
        return [f"no {kind} digest: the record cannot be verified"] if required else []
    algorithm, _, value = declared.partition(":")
    try:
        actual = hashlib.new(algorithm.lower().replace("-", ""), data).digest()
    except ValueError:
        return [f"{kind} digest {declared} uses an unknown algorithm"]
    if _same_digest(value, actual):
        return []
    found = base64.b32encode(actual).decode()
    return [f"{kind} digest does not match: header {declared}, bytes {algorithm}:{found}"]


def _same_digest(value: str, actual: bytes) -> bool:
    """WARC digests come base32 (warcio, Heritrix), hex or base64 (RFC 3548 allows all)."""
    value = value.strip().rstrip("=")
    base32 = base64.b32encode(actual).decode().rstrip("=")
    base64s = {base64.b64encode(actual).decode(), base64.urlsafe_b64encode(actual).decode()}
    return (
        value.upper() == base32
        or value.lower() == actual.hex()
        or value in {encoded.rstrip("=") for encoded in base64s}
    )


# --- one file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seen:
    type: str
    uri: str | None
    offset: int
    sha256: str  # of the payload, as a Document's Capture cites it
    concurrent_to: tuple[str, ...]


@dataclass(frozen=True)
class _ScreenshotClaim:
    """A screenshot a WARC record or a Document says must exist, with the digest it must have."""

    name: str  # relative to the WARC folder: screenshots/<sha256>.png
    path: Path
    sha256: str
    named_by: str  # "named in <WARC file>" or "cited by spool document <id>"
    record_id: str | None
    url: str | None


@dataclass
class _FileResult:
    name: str
    folder: Path
    seen: dict[str, _Seen] = field(default_factory=dict)
    seal: WarcRecord | None = None
    screenshots: list[_ScreenshotClaim] = field(default_factory=list)

    @property
    def own(self) -> bool:
        """Named by track4tip's writer, so held to its rules (pairs, seal)."""
        return Path(self.name).name.startswith(OWN_PREFIX)


def _read_file(path: Path) -> Iterator[WarcRecord | Damage]:
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield from iter_warc(data, gzipped=path.name.endswith(".gz"))


# file a problem: reason, record id, URL, offset
_Problem = Callable[[str, str | None, str | None, int | None], None]


def _verify_file(path: Path, name: str, report: VerifyReport) -> _FileResult:
    report.files += 1
    result = _FileResult(name, path.parent)

    def problem(reason: str, record_id: str | None, url: str | None, offset: int | None) -> None:
        report.problems.append(CaptureProblem(name, record_id, url, reason, offset))

    try:
        for item in _read_file(path):
            if isinstance(item, Damage):
                problem(item.reason, item.record_id, item.url, item.offset)
                continue
            report.records += 1
            for reason in _record_problems(item, result, report):
                problem(reason, item.record_id, item.uri, item.offset)
    except OSError as error:
        problem(f"cannot be read: {error}", None, None, None)
        return result
    for record_id, seen, reason in _pairing_problems(result.seen, result.own):
        problem(reason, record_id, seen.uri, seen.offset)
    _check_seal(result, report, problem)
    return result


def _record_problems(record: WarcRecord, result: _FileResult, report: VerifyReport) -> list[str]:
    """What is wrong with one well-framed record; files it in `result`."""
    has_digest = record.header("WARC-Block-Digest") or record.header("WARC-Payload-Digest")
    if record.type in _UNDIGESTED_TYPES and not has_digest:
        report.undigested += 1
        problems = []
    else:
        problems = _digest_problems(record, result.own)
    if result.seal is not None:
        problems.append("record after the seal (appended to a closed file?)")
    record_id = record.record_id
    if record_id is None:
        return [*problems, "record has no WARC-Record-ID"]
    if record_id in result.seen:
        problems.append("record id appears twice in the file")
    fields = parse_warc_fields(record.block) if record.type == "metadata" else []
    if any(name == SEAL_FIELD for name, _ in fields):
        result.seal = record
        return problems
    result.seen[record_id] = _Seen(
        record.type,
        record.uri,
        record.offset,
        hashlib.sha256(record.payload).hexdigest(),
        tuple(record.headers.get("warc-concurrent-to", [])),
    )
    result.screenshots.extend(_screenshot_claims(record, fields, result))
    return problems


def _screenshot_claims(
    record: WarcRecord, fields: list[tuple[str, str]], result: _FileResult
) -> Iterator[_ScreenshotClaim]:
    values = dict(fields)
    if SCREENSHOT_FIELD in values:
        yield _ScreenshotClaim(
            values[SCREENSHOT_FIELD],
            result.folder / values[SCREENSHOT_FIELD],
            values.get(SCREENSHOT_DIGEST_FIELD, ""),
            f"named in {result.name}",
            record.header("WARC-Refers-To"),
            record.uri,
        )


_NONE = _Seen("", None, 0, "", ())  # what a record id not in the file reads as


def _pairing_problems(seen: dict[str, _Seen], own: bool) -> Iterator[tuple[str, _Seen, str]]:
    response_uris = {record.uri for record in seen.values() if record.type == "response"}
    answered: set[str] = set()
    for record_id, record in seen.items():
        if record.type != "request":
            continue
        answered.update(record.concurrent_to)
        if record.concurrent_to:
            if not any(seen.get(other, _NONE).type in _ANSWERS for other in record.concurrent_to):
                named = ", ".join(record.concurrent_to)
                yield (
                    record_id,
                    record,
                    f"request without its response ({named} is not in the file)",
                )
        elif record.uri not in response_uris:
            yield record_id, record, "request without a response for its URI"
    if own:  # track4tip always writes the two together, so one alone was cut out
        for record_id, record in seen.items():
            if record.type == "response" and record_id not in answered:
                yield record_id, record, "response without its request record"


def _check_seal(result: _FileResult, report: VerifyReport, problem: _Problem) -> None:
    if result.seal is None:
        if result.own:
            report.unsealed.append(result.name)
        return
    fields = parse_warc_fields(result.seal.block)
    named = [value for name, value in fields if name == SEAL_ID_FIELD]
    count = dict(fields).get(SEAL_COUNT_FIELD, "")
    offset = result.seal.offset
    if count != str(len(named)):
        problem(f"the seal counts {count} records but names {len(named)}", None, None, offset)
    for record_id in named:
        if record_id not in result.seen:
            problem("record named by the seal is missing from the file", record_id, None, offset)
    sealed = set(named)
    for record_id, seen in result.seen.items():
        if record_id not in sealed:
            problem(
                "record not named by the seal (added to a closed file?)",
                record_id,
                seen.uri,
                seen.offset,
            )


# --- screenshots and citations --------------------------------------------------------------


def _check_screenshots(
    claims: list[_ScreenshotClaim], folders: list[Path], report: VerifyReport
) -> None:
    checked: set[Path] = set()
    for claim in claims:
        path = claim.path
        if path in checked:
            continue
        checked.add(path)
        report.screenshots += 1
        reason = _screenshot_problem(path, claim.sha256)
        if reason:
            report.problems.append(
                CaptureProblem(
                    claim.name, claim.record_id, claim.url, f"{reason} ({claim.named_by})"
                )
            )
    for folder in folders:  # screenshots nothing names still hash to their names
        for path in sorted((folder / SCREENSHOTS).glob("*.png")):
            if path not in checked:
                checked.add(path)
                report.screenshots += 1
                reason = _screenshot_problem(path, path.stem)
                if reason:
                    report.problems.append(
                        CaptureProblem(f"{SCREENSHOTS}/{path.name}", None, None, reason)
                    )


def _screenshot_problem(path: Path, expected: str) -> str | None:
    try:
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "screenshot is missing"
    except OSError as error:
        return f"screenshot cannot be read: {error}"
    if actual != expected or path.stem != actual:
        return f"screenshot does not match its digest: its bytes hash to {actual}"
    return None


@dataclass(frozen=True)
class _Citation:
    """A Document's `capture`, as the spool or the index keeps it."""

    source: str  # "spool" or "index"
    document_id: str
    warc_file: str | None
    record_id: str | None
    sha256: str
    screenshot: str | None

    @property
    def cited_by(self) -> str:
        return f"cited by {self.source} document {self.document_id}"


# Every version in the index, not only the latest: each one's capture is evidence.
_STORES = (
    ("spool", SPOOL_FILE, "SELECT doc_id, record FROM pages ORDER BY seq"),
    ("index", INDEX_RECORDS_FILE, "SELECT id, record FROM versions"),
)


def find_data_dir(folder: Path) -> Path | None:
    """The data dir a WARC folder sits in (`<data dir>/warc`), if it has a spool or an index."""
    return folder.parent if _has_stores(folder.parent) else None


def _has_stores(data_dir: Path) -> bool:
    return any((data_dir / relative).is_file() for _, relative, _ in _STORES)


def _citations(data_dir: Path, report: VerifyReport) -> Iterator[_Citation]:
    """Each distinct capture the Documents cite (many versions cite the same one)."""
    distinct: set[tuple[str | None, str | None, str, str | None]] = set()
    for source, relative, query in _STORES:
        path = data_dir / relative
        if not path.is_file():
            continue
        try:
            # read-only: verifying never writes to (or takes a write lock on) the stores
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                for document_id, record in db.execute(query):
                    citation = _citation(source, str(document_id), record)
                    key = citation and (
                        citation.warc_file,
                        citation.record_id,
                        citation.sha256,
                        citation.screenshot,
                    )
                    if citation and key not in distinct:
                        distinct.add(key)
                        yield citation
        except sqlite3.Error as error:
            reason = f"the Documents that cite captures cannot be read: {error}"
            report.problems.append(CaptureProblem(relative.as_posix(), None, None, reason))


def _citation(source: str, document_id: str, record: str) -> _Citation | None:
    try:
        capture = json.loads(record).get("capture")
    except (ValueError, AttributeError):
        return None  # not a Document; the spool sets such records aside itself
    if not isinstance(capture, dict) or not capture.get("sha256"):
        return None
    return _Citation(
        source,
        document_id,
        capture.get("warc_file"),
        capture.get("record_id"),
        str(capture["sha256"]),
        capture.get("screenshot"),
    )


def _check_citations(
    citations: Iterator[_Citation],
    files: dict[str, _FileResult],
    whole_folder: bool,
    folder: Path,
    report: VerifyReport,
) -> list[_ScreenshotClaim]:
    """Report citations the WARC files do not bear out; the screenshots they cite."""
    claims = []
    for citation in citations:
        result = files.get(citation.warc_file) if citation.warc_file else None
        if result is None and not whole_folder:
            continue  # verifying one file: the others' citations are not its concern
        report.citations += 1
        reason, offset = _citation_problem(citation, result)
        if reason:
            report.problems.append(
                CaptureProblem(citation.warc_file or "-", citation.record_id, None, reason, offset)
            )
        if citation.screenshot:
            claims.append(
                _ScreenshotClaim(
                    citation.screenshot,
                    folder / citation.screenshot,
                    Path(citation.screenshot).stem,
                    citation.cited_by,
                    citation.record_id,
                    None,
                )
            )
    return claims


def _citation_problem(
    citation: _Citation, result: _FileResult | None
) -> tuple[str | None, int | None]:
    if citation.warc_file is None:
        return None, None
    if result is None:
        return f"{citation.cited_by}, but the WARC file is missing", None
    seen = result.seen.get(citation.record_id or "")
    if seen is None:
        return f"{citation.cited_by}, but the file has no such record", None
    if seen.sha256 != citation.sha256:
        reason = (
            f"{citation.cited_by} with sha256 {citation.sha256}, "
            f"but the record's payload hashes to {seen.sha256}"
        )
        return reason, seen.offset
    return None, None


# --- the whole --------------------------------------------------------------------------------


def capture_files(path: Path) -> list[Path]:
    """The WARC files at `path`: the file itself, or every WARC file under a folder."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES))


def verify_captures(path: Path, data_dir: Path | None = None) -> VerifyReport:
    """Verify the WARC files at `path` (a file or a folder), the screenshots they name and,
    with `data_dir` (or the data dir the WARC folder sits in), the captures Documents cite."""
    if not path.exists():
        raise CaptureError(f"no captures at {path}")
    if data_dir is not None and not _has_stores(data_dir):
        raise CaptureError(f"no spool or embedded index in {data_dir}")
    folder = path if path.is_dir() else path.parent
    citing = data_dir or find_data_dir(folder)
    report = VerifyReport(data_dir=citing)
    files: dict[str, _FileResult] = {}
    for warc in capture_files(path):
        name = warc.relative_to(folder).as_posix()
        files[name] = _verify_file(warc, name, report)
    claims = [claim for result in files.values() for claim in result.screenshots]
    if citing is not None:
        citations = _citations(citing, report)
        claims += _check_citations(citations, files, path.is_dir(), folder, report)
    _check_screenshots(claims, [folder] if path.is_dir() else [], report)
    return report
