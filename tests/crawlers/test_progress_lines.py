"""A damaged progress file (crawlers/progress.py) never stops the crawl's caller: each bad
line is skipped with a warning naming it, the good lines around it still arrive."""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future
from pathlib import Path

import pytest

from crawlers.progress import ProgressReader, SourceProgress, follow_progress

GOOD = {"site": "elempleo", "pages": 3, "documents": 2, "errors": 0, "finished": False}
BAD_LINES = [
    b'{"site": "elempleo", "pages": 4, "docu',  # cut off mid-line, then a newline
    b"[1, 2, 3]",  # JSON, but not an object
    b'"elempleo"',
    b'{"pages": 4}',  # no site
    b'{"site": "elempleo", "pages": "4"}',  # a count as text
    b'{"site": "elempleo", "pages": true}',  # a count as a boolean
    b'{"site": "elempleo", "documents": -1}',
    b'{"site": "elempleo", "finished": "yes"}',
    b"\xff\xfe\x00garbage\x80",  # not even UTF-8
]


def _line(fields: dict) -> bytes:
    return json.dumps(fields).encode() + b"\n"


def test_bad_lines_are_skipped_and_the_good_ones_delivered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "progress.jsonl"
    last = GOOD | {"pages": 9, "documents": 7, "finished": True}
    path.write_bytes(_line(GOOD) + b"\n".join(BAD_LINES) + b"\n" + _line(last))
    crawl: Future[None] = Future()
    crawl.set_result(None)
    received: list[SourceProgress] = []
    with caplog.at_level(logging.WARNING, logger="crawlers.progress"):
        follow_progress(path, crawl, received.append, poll=0.01)
    assert received == [SourceProgress(**GOOD), SourceProgress(**last)]
    skipped = [r for r in caplog.records if r.getMessage().startswith("skipped a progress line")]
    assert len(skipped) == len(BAD_LINES)


def test_a_line_still_being_written_waits_for_its_end(tmp_path: Path) -> None:
    path = tmp_path / "progress.jsonl"
    whole = _line(GOOD)
    path.write_bytes(whole[:10])
    reader = ProgressReader(path)
    assert reader.read_new() == []
    with path.open("ab") as handle:
        handle.write(whole[10:])
    assert reader.read_new() == [SourceProgress(**GOOD)]
