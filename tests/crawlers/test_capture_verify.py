"""Evidence that really verifies: real WARC files written by `WarcStore`, real Documents citing
them in a real spool and embedded index, then attacked one way at a time. Each test makes the
damage, checks that it is really there, and demands that `verify_captures` (and the
`track4tip capture verify` process) fail and say where and why; a pristine capture passes."""

from __future__ import annotations

import errno
import gzip
import io
import os
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawlers.capture import WarcStore
from crawlers.capture_format import CaptureError
from crawlers.capture_verify import (
    INDEX_RECORDS_FILE,
    SPOOL_FILE,
    CaptureProblem,
    VerifyReport,
    verify_captures,
)
from crawlers.config import CrawlerSettings
from crawlers.spool import SpoolWriter
from index.config import IndexSettings
from index.document import Capture
from index.embedded import RECORDS_FILE, EmbeddedIndex
from tests.factories import make_document

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _body(number: int) -> bytes:
    return f"<html><body><h1>Aviso {number}</h1>".encode() + b"<p>empleo en Quito</p>" * 40


@dataclass
class Evidence:
    data_dir: Path
    warc_dir: Path
    exchanges: list[Capture]
    rendered: Capture

    @property
    def warc(self) -> Path:
        assert self.exchanges[0].warc_file
        return self.warc_dir / self.exchanges[0].warc_file


def _write_captures(warc_dir: Path) -> tuple[list[Capture], Capture]:
    store = WarcStore(warc_dir, max_bytes=1 << 20)
    exchanges = [
        store.write_exchange(
            f"https://empleos.example.org/aviso/{number}",
            ("GET", f"/aviso/{number}"),
            [("Host", "empleos.example.org")],
            200,
            [("Content-Type", "text/html; charset=utf-8")],
            _body(number),
        )
        for number in range(4)
    ]
    rendered = store.write_rendered("https://social.example.org/p/1", _body(9), PNG)
    store.close()
    return exchanges, rendered


def _cite_in_spool(data_dir: Path, captures: list[Capture]) -> None:
    spool = SpoolWriter(data_dir / SPOOL_FILE)
    for number, capture in enumerate(captures):
        spool.append(
            make_document(canonical_url=f"https://empleos.example.org/a/{number}", capture=capture)
        )
    spool.close()


def _cite_in_index(data_dir: Path, captures: list[Capture]) -> None:
    with EmbeddedIndex(data_dir / "index") as index:
        index.setup()
        index.upsert(
            make_document(canonical_url=f"https://index.example.org/a/{number}", capture=capture)
            for number, capture in enumerate(captures)
        )


@pytest.fixture
def evidence(tmp_path: Path) -> Evidence:
    """A data dir as a crawl leaves it: WARC files, a screenshot, a spool citing every capture."""
    data_dir = tmp_path / "var"
    exchanges, rendered = _write_captures(data_dir / "warc")
    _cite_in_spool(data_dir, [*exchanges, rendered])
    return Evidence(data_dir, data_dir / "warc", exchanges, rendered)


# --- helpers that read the files independently of the verifier --------------------------------


def _member_spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every gzip member of an intact file."""
    spans, position = [], 0
    while position < len(data):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        inflater.decompress(data[position:])
        end = len(data) - len(inflater.unused_data)
        spans.append((position, end))
        position = end
    return spans


def _member_of(path: Path, record_id: str) -> tuple[int, int]:
    data = path.read_bytes()
    for start, end in _member_spans(data):
        if record_id.encode() in gzip.decompress(data[start:end]).split(b"\r\n\r\n", 1)[0]:
            return start, end
    raise AssertionError(f"{record_id} is not in {path}")


def _record_ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {
            record.rec_headers.get_header("WARC-Record-ID") for record in ArchiveIterator(handle)
        }


def _warcio_reads_it_cleanly(path: Path) -> bool:
    """What the old verifier trusted: warcio's own reading, with its digest check."""
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle, check_digests=True):
            record.raw_stream.read()
            if record.digest_checker.passed is False:
                return False
    return True


def _reasons(report: VerifyReport) -> list[str]:
    return [problem.problem for problem in report.problems]


def _only(report: VerifyReport, fragment: str) -> list[CaptureProblem]:
    return [problem for problem in report.problems if fragment in problem.reason]


# --- a pristine capture ---------------------------------------------------------------------------


def test_a_pristine_capture_verifies_with_its_citations(evidence: Evidence) -> None:
    report = verify_captures(evidence.warc_dir)
    assert report.ok, _reasons(report)
    # four pairs, a resource, its screenshot record, the seal
    assert report.records == 11 and report.files == 1 and report.screenshots == 1
    assert report.citations == 5 and report.data_dir == evidence.data_dir
    assert report.unsealed == [] and report.undigested == 0


def test_the_data_dir_layout_is_the_one_settings_use(tmp_path: Path) -> None:
    assert CrawlerSettings(data_dir=tmp_path).spool_path == tmp_path / SPOOL_FILE
    index_dir = IndexSettings(data_dir=tmp_path).embedded_dir
    assert index_dir / RECORDS_FILE == tmp_path / INDEX_RECORDS_FILE


# --- damaged bytes --------------------------------------------------------------------------------


def test_a_byte_flipped_in_a_payload_is_reported_with_its_record(evidence: Evidence) -> None:
    cited = evidence.exchanges[1]
    assert cited.record_id
    start, end = _member_of(evidence.warc, cited.record_id)
    data = bytearray(evidence.warc.read_bytes())
    data[(start + end) // 2] ^= 0x01  # inside the deflate stream of the response's member
    evidence.warc.write_bytes(bytes(data))
    with pytest.raises((OSError, EOFError, zlib.error)):
        gzip.decompress(bytes(data))  # the damage is real

    report = verify_captures(evidence.warc_dir)
    damage = report.problems[0]
    assert (damage.file, damage.offset) == (evidence.warc.name, start)
    assert damage.record_id == cited.record_id, "the headers before the damage name the record"
    assert "gzip member does not decompress" in damage.reason
    # and what follows from the record being gone, each said once; nothing else is wrong
    assert len(report.problems) == 4, _reasons(report)
    for fragment in (
        "request without its response",
        "record named by the seal is missing",
        "cited by spool document",
    ):
        assert [p.record_id for p in report.problems if fragment in p.reason], fragment
    assert report.records == 10, "every other record is still read and verified"


def test_no_flipped_byte_that_changes_a_record_passes(tmp_path: Path) -> None:
    """Every byte of a response's member, flipped in turn: gzip's header fields that cover no
    content (mtime, flags, OS) may change; any flip that changes the record must fail."""
    store = WarcStore(tmp_path, max_bytes=1 << 20)
    capture = store.write_exchange("https://x.example.org/", ("GET", "/"), [], 200, [], b"ok" * 20)
    store.close()
    assert capture.warc_file and capture.record_id
    warc = tmp_path / capture.warc_file
    original = warc.read_bytes()
    start, end = _member_of(warc, capture.record_id)
    content = gzip.decompress(original)
    passed = []
    for offset in range(start, end):
        data = bytearray(original)
        data[offset] ^= 0x01
        warc.write_bytes(bytes(data))
        if verify_captures(warc).ok:
            try:
                unchanged = gzip.decompress(bytes(data)) == content
            except (OSError, EOFError, zlib.error):
                unchanged = False
            if not unchanged:
                passed.append(offset)
    assert passed == []


def test_a_warc_truncated_to_two_thirds_fails(evidence: Evidence) -> None:
    data = evidence.warc.read_bytes()
    cut_at = len(data) * 2 // 3
    starts = {start for start, _ in _member_spans(data)}
    if cut_at in starts:  # inside a member: a cut at a boundary is the next test's
        cut_at -= 1
    evidence.warc.write_bytes(data[:cut_at])
    report = verify_captures(evidence.warc_dir)
    cut = _only(report, "gzip member is cut off")
    assert [(p.file, p.offset is not None and p.offset in starts) for p in cut] == [
        (evidence.warc.name, True)
    ]
    assert _only(report, "no such record"), "Documents cite records past the cut"
    assert not report.ok


def test_a_warc_cut_at_a_record_boundary_fails_by_its_citations(evidence: Evidence) -> None:
    data = evidence.warc.read_bytes()
    spans = _member_spans(data)
    evidence.warc.write_bytes(data[: spans[4][0]])  # two whole exchanges, nothing torn
    assert _warcio_reads_it_cleanly(evidence.warc), "warcio alone sees nothing wrong"
    report = verify_captures(evidence.warc_dir)
    assert report.unsealed == [evidence.warc.name]  # the seal went with the tail
    missing = {p.record_id for p in _only(report, "no such record")}
    assert missing == {c.record_id for c in [*evidence.exchanges[2:], evidence.rendered]}


def test_a_removed_response_record_fails(evidence: Evidence) -> None:
    cited = evidence.exchanges[2]
    assert cited.record_id
    start, end = _member_of(evidence.warc, cited.record_id)
    data = evidence.warc.read_bytes()
    evidence.warc.write_bytes(data[:start] + data[end:])
    assert cited.record_id not in _record_ids(evidence.warc)
    assert _warcio_reads_it_cleanly(evidence.warc), "warcio alone sees nothing wrong"

    report = verify_captures(evidence.warc_dir)
    assert not report.ok
    reasons = " | ".join(_reasons(report))
    assert "request without its response" in reasons
    assert "record named by the seal is missing" in reasons
    assert [p.record_id for p in _only(report, "no such record")] == [cited.record_id]


def test_a_removed_exchange_fails_by_the_seal(tmp_path: Path) -> None:
    """No Document cites it (robots.txt, a rejected page): the seal still misses it."""
    exchanges, _ = _write_captures(tmp_path)
    warc = tmp_path / str(exchanges[0].warc_file)
    data = warc.read_bytes()
    spans = _member_spans(data)  # response, request of the second exchange
    warc.write_bytes(data[: spans[2][0]] + data[spans[4][0] :])
    assert _warcio_reads_it_cleanly(warc)
    report = verify_captures(warc)
    assert len(_only(report, "record named by the seal is missing")) == 2


def test_a_record_appended_after_the_seal_fails(evidence: Evidence) -> None:
    other = evidence.data_dir / "other"
    exchanges, _ = _write_captures(other)
    foreign = (other / str(exchanges[0].warc_file)).read_bytes()
    start, end = _member_spans(foreign)[0]
    with evidence.warc.open("ab") as handle:
        handle.write(foreign[start:end])
    report = verify_captures(evidence.warc)
    assert _only(report, "record after the seal")
    assert _only(report, "not named by the seal")


def _rewrite_member(path: Path, record_id: str, change: bytes, to: bytes) -> None:
    start, end = _member_of(path, record_id)
    data = path.read_bytes()
    record = gzip.decompress(data[start:end])
    assert change in record
    path.write_bytes(data[:start] + gzip.compress(record.replace(change, to, 1)) + data[end:])


def test_a_record_without_its_digests_fails(evidence: Evidence) -> None:
    """A missing digest is a failure, not the `None` that warcio's check leaves."""
    cited = evidence.exchanges[0]
    assert cited.record_id
    _rewrite_member(evidence.warc, cited.record_id, b"WARC-Payload-Digest", b"X-Payload-Digest___")
    _rewrite_member(evidence.warc, cited.record_id, b"WARC-Block-Digest", b"X-Block-Digest___")
    report = verify_captures(evidence.warc_dir)
    problems = _only(report, "digest")
    assert {p.reason for p in problems} == {
        "no block digest: the record cannot be verified",
        "no payload digest: the record cannot be verified",
    }
    assert {p.record_id for p in problems} == {cited.record_id}


def test_a_short_record_in_a_plain_warc_fails(evidence: Evidence) -> None:
    plain = evidence.warc_dir / "plain.warc"
    data = gzip.decompress(evidence.warc.read_bytes())
    plain.write_bytes(data)
    assert verify_captures(plain).ok
    plain.write_bytes(data[: data.index(_body(2)) + 100])  # cut inside the third body
    report = verify_captures(plain)
    short = _only(report, "record is short")
    assert [p.record_id for p in short] == [evidence.exchanges[2].record_id]
    assert short[0].offset == data.rindex(b"WARC/1.1", 0, data.index(_body(2)))


def test_records_after_a_half_written_member_still_verify(evidence: Evidence) -> None:
    """What the old writer left after a failed write: a torn member, then later records."""
    data = evidence.warc.read_bytes()
    spans = _member_spans(data)
    torn_start, torn_end = spans[2]
    torn = data[torn_start : torn_start + (torn_end - torn_start) // 2]
    evidence.warc.write_bytes(data[:torn_end] + torn + data[torn_end:])
    report = verify_captures(evidence.warc_dir)
    assert [(p.offset, p.reason.split(" (")[0]) for p in report.problems] == [
        (torn_end, "gzip member does not decompress")
    ]
    assert report.records == 11


# --- screenshots ----------------------------------------------------------------------------------


def test_a_deleted_screenshot_fails_even_without_a_data_dir(tmp_path: Path) -> None:
    _, rendered = _write_captures(tmp_path)
    assert rendered.screenshot and verify_captures(tmp_path).ok
    (tmp_path / rendered.screenshot).unlink()
    for path in (tmp_path, tmp_path / str(rendered.warc_file)):
        report = verify_captures(path)
        assert [(p.file, p.record_id, p.reason.split(" (")[0]) for p in report.problems] == [
            (rendered.screenshot, rendered.record_id, "screenshot is missing")
        ]


def test_an_altered_screenshot_fails(evidence: Evidence) -> None:
    screenshot = evidence.warc_dir / str(evidence.rendered.screenshot)
    screenshot.write_bytes(PNG + b"\x00")
    report = verify_captures(evidence.warc_dir)
    assert len(report.problems) == 1
    assert report.problems[0].file == evidence.rendered.screenshot
    assert "screenshot does not match its digest" in report.problems[0].reason


def test_a_screenshot_only_a_document_cites_must_exist(evidence: Evidence) -> None:
    ghost = Capture(sha256="0" * 64, screenshot=f"screenshots/{'a' * 64}.png")
    _cite_in_spool(evidence.data_dir, [ghost])
    report = verify_captures(evidence.warc_dir)
    assert [p.reason.split(" (")[0] for p in report.problems] == ["screenshot is missing"]
    assert "cited by spool document" in report.problems[0].reason


def test_a_screenshot_is_renamed_into_place_never_written_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = WarcStore(tmp_path, max_bytes=1 << 20)

    def fail(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(CaptureError, match="cannot keep screenshot"):
        store.write_rendered("https://x.example.org/", b"<html></html>", PNG)
    monkeypatch.undo()
    assert list((tmp_path / "screenshots").iterdir()) == [], "no torn or temporary file is left"
    assert list(tmp_path.glob("*.warc.gz")) == [], "no record names a screenshot not kept"
    capture = store.write_rendered("https://x.example.org/", b"<html></html>", PNG)
    store.close()
    assert [p.name for p in (tmp_path / "screenshots").iterdir()] == [
        Path(str(capture.screenshot)).name
    ]
    assert verify_captures(tmp_path).ok


# --- citations ------------------------------------------------------------------------------------


def test_an_index_citing_what_the_warc_lacks_fails(evidence: Evidence) -> None:
    real = evidence.exchanges[0]
    _cite_in_index(
        evidence.data_dir,
        [
            real,
            real.model_copy(
                update={"record_id": "<urn:uuid:00000000-0000-0000-0000-000000000000>"}
            ),
            real.model_copy(update={"sha256": "f" * 64}),
            real.model_copy(update={"warc_file": "track4tip-19700101T000000000000Z-0.warc.gz"}),
        ],
    )
    for report in (
        verify_captures(evidence.warc_dir),
        verify_captures(evidence.warc_dir, evidence.data_dir),
    ):
        reasons = sorted(p.reason.split(",")[1].split(" but")[-1].strip() for p in report.problems)
        assert len(report.problems) == 3, _reasons(report)
        assert all("cited by index document" in p.reason for p in report.problems)
        assert any("the file has no such record" in r for r in _reasons(report))
        assert any("the WARC file is missing" in r for r in _reasons(report))
        assert any("record's payload hashes to" in r for r in _reasons(report)), reasons


def test_verifying_one_file_checks_only_its_citations(evidence: Evidence) -> None:
    _cite_in_index(
        evidence.data_dir,
        [Capture(sha256="0" * 64, warc_file="elsewhere.warc.gz", record_id="<urn:uuid:1>")],
    )
    assert not verify_captures(evidence.warc_dir).ok
    report = verify_captures(evidence.warc)
    assert report.ok and report.citations == 5


def test_a_data_dir_without_stores_is_a_clear_error(evidence: Evidence, tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no spool or embedded index"):
        verify_captures(evidence.warc_dir, tmp_path / "empty")


# --- failed writes --------------------------------------------------------------------------------


class _DiskFillsUp(io.FileIO):
    """A WARC file on a disk that fills up: the write that crosses `room` writes what fits,
    then raises, as `write(2)` does with ENOSPC."""

    def __init__(self, path: Path, room: int) -> None:
        super().__init__(path, "xb")
        self.room = room

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if len(data) <= self.room:
            self.room -= len(data)
            return super().write(data)
        if self.room:
            super().write(bytes(data)[: self.room])
            self.room = 0
        raise OSError(errno.ENOSPC, "No space left on device")


class _FailingStore(WarcStore):
    """The first WARC file it opens runs out of room after `room` bytes."""

    def __init__(self, directory: Path, room: int) -> None:
        super().__init__(directory, max_bytes=1 << 20)
        self.room: int | None = room

    def _open_stream(self, path: Path) -> IO[bytes]:
        if self.room is None:
            return super()._open_stream(path)
        room, self.room = self.room, None
        return _DiskFillsUp(path, room)


def _exchange(store: WarcStore, number: int) -> Capture:
    return store.write_exchange(
        f"https://empleos.example.org/aviso/{number}",
        ("GET", f"/aviso/{number}"),
        [],
        200,
        [],
        _body(number),
    )


def test_a_failed_write_mid_record_spoils_no_later_record(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    warc_dir = data_dir / "warc"
    probe = WarcStore(tmp_path / "probe", max_bytes=1 << 20)
    _exchange(probe, 0)
    one_exchange = sum(p.stat().st_size for p in (tmp_path / "probe").glob("*.warc.gz"))
    probe.close()

    # room for one exchange and the first bytes of the next one's response member
    store = _FailingStore(warc_dir, room=one_exchange + 40)
    before = _exchange(store, 0)
    with pytest.raises(CaptureError, match="closed unsealed"):
        _exchange(store, 1)  # torn half-way through the response's member
    after = [_exchange(store, number) for number in (2, 3)]
    store.close()
    _cite_in_spool(data_dir, [before, *after])

    torn, fresh = str(before.warc_file), str(after[0].warc_file)
    assert torn != fresh and after[1].warc_file == fresh
    with pytest.raises((EOFError, OSError)):
        gzip.decompress((warc_dir / torn).read_bytes())  # the tail really is torn
    report = verify_captures(warc_dir)
    assert [(p.file, p.reason.split(":")[0]) for p in report.problems] == [
        (torn, "gzip member is cut off")
    ]
    assert report.problems[0].offset is not None and report.problems[0].offset > 0
    assert report.unsealed == [torn]
    assert report.citations == 3, "the records before and after the failure verify"
    with (warc_dir / fresh).open("rb") as handle:
        assert len(list(ArchiveIterator(handle))) == 5  # two pairs and the seal


# --- the command, as a user runs it ---------------------------------------------------------------


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TRACK4TIP_DATA_DIR": str(data_dir), "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "track4tip", "capture", "verify", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_passes_a_pristine_data_dir_and_fails_a_damaged_one(evidence: Evidence) -> None:
    good = _cli(data_dir=evidence.data_dir)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Checked 5 captures cited in" in good.stdout
    assert "All captures verified." in good.stdout

    cited = evidence.exchanges[2]
    assert cited.record_id
    start, end = _member_of(evidence.warc, cited.record_id)
    data = evidence.warc.read_bytes()
    evidence.warc.write_bytes(data[:start] + data[end:])
    (evidence.warc_dir / str(evidence.rendered.screenshot)).unlink()
    bad = _cli(data_dir=evidence.data_dir)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    lines = bad.stdout.splitlines()
    assert any(
        evidence.warc.name in line
        and cited.record_id in line
        and "record named by the seal is missing" in line
        and "at offset" in line
        for line in lines
    ), bad.stdout
    assert any("request without its response" in line for line in lines)
    assert any(
        str(evidence.rendered.screenshot) in line and "screenshot is missing" in line
        for line in lines
    )
    assert "All captures verified." not in bad.stdout


def test_cli_warns_of_an_unsealed_file_and_rejects_a_bad_data_dir(tmp_path: Path) -> None:
    store = WarcStore(tmp_path / "warc", max_bytes=1 << 20)
    try:
        _exchange(store, 0)  # not closed yet: a crawler still writing, or killed
        unsealed = _cli(str(tmp_path / "warc"), data_dir=tmp_path)
    finally:
        store.close()
    assert unsealed.returncode == 0, unsealed.stdout + unsealed.stderr
    assert "UNSEALED" in unsealed.stdout and "All captures verified." in unsealed.stdout
    missing = _cli(
        str(tmp_path / "warc"), "--data-dir", str(tmp_path / "nowhere"), data_dir=tmp_path
    )
    assert missing.returncode == 2 and "no spool or embedded index" in missing.stderr


def test_verifying_imports_neither_warcio_nor_the_document_model() -> None:
    code = (
        "import sys, crawlers.capture_verify; heavy = ('warcio', 'index', 'pydantic'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
