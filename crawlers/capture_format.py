"""What a capture folder holds: the names and fields the writer and the verifier share.

    <warc dir>/track4tip-<UTC time>-<random>.warc.gz   gzipped WARC 1.1, one record per member
    <warc dir>/screenshots/<sha256>.png                 a rendered page's screenshot

Besides the evidence records (`request`/`response` pairs, `resource` records of rendered DOMs),
a WARC file holds two kinds of `metadata` record (`application/warc-fields`):

- a screenshot record, `WARC-Refers-To` the rendered page's `resource` record, with the fields
  `screenshot: screenshots/<sha256>.png` and `screenshot-sha256: <sha256>`, so that the WARC
  itself says which screenshot must exist and what it must hash to;
- a seal, the last record of a file the writer closed, with `track4tip-seal: <file name>`,
  `records: <count>` and one `record-id: <id>` per record before it, so that a record removed
  from a closed file, or a file cut short at a record boundary, is found.

Kept free of warcio and of the Document model, so that `track4tip capture verify` stays light.
"""

from __future__ import annotations

WARC_SUFFIXES = (".warc.gz", ".warc")
OWN_PREFIX = "track4tip-"  # files this writer named; the stricter pairing rules apply to them
SCREENSHOTS = "screenshots"
TEMPORARY_SUFFIX = ".tmp"  # a screenshot being written; never evidence

SEAL_FIELD = "track4tip-seal"
SEAL_COUNT_FIELD = "records"
SEAL_ID_FIELD = "record-id"
SCREENSHOT_FIELD = "screenshot"
SCREENSHOT_DIGEST_FIELD = "screenshot-sha256"


class CaptureError(Exception):
    """A capture cannot be written (the folder is not writable, the disk is full, a write
    failed), or there is nothing to verify at the path given."""


def warc_fields(fields: list[tuple[str, str]]) -> bytes:
    """`application/warc-fields`: one `name: value` line per field, CRLF-terminated."""
    return b"".join(f"{name}: {value}\r\n".encode() for name, value in fields)


def parse_warc_fields(block: bytes) -> list[tuple[str, str]]:
    """The fields of an `application/warc-fields` block (names lower-cased)."""
    fields = []
    for line in block.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields.append((name.strip().lower(), value.strip()))
    return fields
