"""Pseudonymisation and the export writers on their own: keyed tokens, redaction of entity
spans and of what the extractor missed, broken spans, and cells a spreadsheet would run."""

from __future__ import annotations

import csv
import io

import pytest

from api.accounts.pseudonymise import Pseudonymiser, scrub
from api.exporting.writers import Column, ColumnKind, csv_chunks, jsonl_chunks
from nlp.types import Entity, EntityKind

KEY = b"unit-test-key-0123456789"


def _entity(text: str, shown: str, kind: EntityKind, value: str) -> Entity:
    start = text.index(shown)
    return Entity(start=start, end=start + len(shown), kind=kind, text=shown, value=value)


def test_tokens_are_keyed_and_stable():
    one, other = Pseudonymiser(KEY), Pseudonymiser(b"another-key-0123456789")
    assert one.token("phone", "+584121234567") == Pseudonymiser(KEY).token("phone", "+584121234567")
    assert one.token("phone", "+584121234567") != other.token("phone", "+584121234567")
    assert one.token("phone", "+584121234567") != one.token("email", "+584121234567")
    assert len(one.token("phone", "+584121234567")) == 64


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="at least 16 bytes"):
        Pseudonymiser(b"short")


def test_redaction_replaces_spans_and_keeps_money_and_dates():
    text = "Llamar a Rosa Díaz al 0412 123 4567 antes del 2024-03-01; sueldo 1.200.000 COP."
    entities = [
        _entity(text, "Rosa Díaz", EntityKind.PERSON, "Rosa Díaz"),
        _entity(text, "0412 123 4567", EntityKind.PHONE, "+584121234567"),
        _entity(text, "1.200.000 COP", EntityKind.MONEY, "1200000.00 COP"),
    ]
    pseudonymiser = Pseudonymiser(KEY)
    redacted = pseudonymiser.redact(text, entities)
    short = pseudonymiser.token(EntityKind.PHONE, "+584121234567")[:8]
    assert redacted == (
        f"Llamar a [PERSON] al [PHONE:{short}] antes del 2024-03-01; sueldo 1.200.000 COP."
    )


def test_broken_and_overlapping_spans_still_leave_nothing_behind():
    text = "WhatsApp 0414-555-0199 o correo ana@example.org"
    entities = [
        Entity(start=9, end=22, kind=EntityKind.PHONE, text="0414-555-0199", value="+584145550199"),
        Entity(start=12, end=16, kind=EntityKind.PHONE, text="555", value="555"),  # overlaps
        Entity(start=40, end=400, kind=EntityKind.EMAIL, text="?", value="x@y.org"),  # past end
    ]
    redacted = Pseudonymiser(KEY).redact(text, entities)
    assert "0199" not in redacted and "ana@example.org" not in redacted
    assert redacted.endswith("[EMAIL]")


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("escribe a maria.p@correo.example", "maria.p@correo.example"),
        ("maria (at) correo (dot) com", "maria (at) correo"),
        ("tel. +58 (412) 555.01.99", "555.01.99"),
        ("llama 04125550199", "04125550199"),
    ],
)
def test_the_safety_net_catches_what_extraction_missed(text, gone):
    assert gone not in scrub(text)


def test_the_safety_net_keeps_short_numbers_and_dates():
    text = "Edad 18 a 25, 3 plazas, desde 01/02/2024, oficina 204"
    assert scrub(text) == text


COLUMNS = [Column("name", ColumnKind.TEXT), Column("tags", ColumnKind.TEXT_LIST)]


def test_csv_cells_a_spreadsheet_would_run_are_defused():
    rows = [{"name": '=HYPERLINK("http://evil.example","x")', "tags": ["+1", "a"]}]
    content = b"".join(csv_chunks(rows, COLUMNS)).decode()
    parsed = list(csv.DictReader(io.StringIO(content)))
    assert parsed == [{"name": '\'=HYPERLINK("http://evil.example","x")', "tags": "'+1;a"}]


def test_writers_stream_in_chunks_and_handle_no_rows():
    rows = ({"name": f"ad {number}", "tags": []} for number in range(2500))
    chunks = list(jsonl_chunks(rows, COLUMNS, rows_per_chunk=1000))
    assert len(chunks) == 3
    assert b"".join(chunks).count(b"\n") == 2500
    assert list(jsonl_chunks([], COLUMNS)) == []
    assert b"".join(csv_chunks([], COLUMNS)) == b"name,tags\r\n"
