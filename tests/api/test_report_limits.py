"""Reports that would exhaust the server (issue 13, item 7f), through the real API over a real
embedded index and real screenshot files: each test first builds the report the attack needs
(many large screenshots; a custom layout whose loops nest), then checks what is rendered."""

from __future__ import annotations

import hashlib
import re
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from api.reporting.rendering import MAX_RENDER_SECONDS
from index.document import Capture, Document
from index.embedded import EmbeddedIndex
from tests.api.conftest import Accounts
from tests.factories import make_document

DOCUMENTS = 6
SCREENSHOT_BYTES = 300_000
MAX_SHOTS = 2


def _png(seed: int) -> bytes:
    """A distinct, valid PNG of about SCREENSHOT_BYTES (random-looking pixels)."""
    width = 400
    rows = []
    for row in range(SCREENSHOT_BYTES // (width * 3)):
        line = hashlib.shake_256(f"{seed}-{row}".encode()).digest(width * 3)
        rows.append(b"\x00" + line)
    raw = zlib.compress(b"".join(rows), 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + len(rows).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Document]]:
    folder = tmp_path_factory.mktemp("warc")
    (folder / "screenshots").mkdir()
    documents = []
    for number in range(DOCUMENTS):
        png = _png(number)
        name = f"screenshots/{hashlib.sha256(png).hexdigest()}.png"
        (folder / name).write_bytes(png)
        documents.append(
            make_document(
                canonical_url=f"https://anuncios.example/limits/{number}",
                title=f"Anuncio {number}",
                capture=Capture(sha256="0" * 64, warc_file="a.warc.gz", screenshot=name),
            )
        )
    return folder, documents


@pytest.fixture(scope="module")
def reporter(
    tmp_path_factory: pytest.TempPathFactory,
    accounts: Accounts,
    shots: tuple[Path, list[Document]],
) -> Iterator[TestClient]:
    folder, documents = shots
    index = EmbeddedIndex(tmp_path_factory.mktemp("index"))
    index.setup()
    index.upsert(documents)
    settings = ApiSettings(evidence_dir=folder, report_max_screenshots=MAX_SHOTS)
    app = create_app(settings, index, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.ANALYST)) as client:
        yield client
    index.close()


def _create(client: TestClient, documents: list[Document], **fields: object):
    body = {"title": "Límites", "document_ids": [d.id for d in documents], **fields}
    return client.post("/api/reports", json=body)


def test_a_report_embeds_only_so_many_screenshots_and_lists_the_rest(
    reporter: TestClient, shots: tuple[Path, list[Document]]
) -> None:
    _, documents = shots
    made = _create(reporter, documents)
    assert made.status_code == 201, made.text
    html = reporter.get(f"/api/reports/{made.json()['id']}/download", params={"format": "html"})

    embedded = re.findall(r'src="data:image/png;base64,', html.text)
    assert len(embedded) == MAX_SHOTS
    assert len(html.content) < (MAX_SHOTS + 1) * SCREENSHOT_BYTES * 4 / 3
    # Every screenshot is still named: embedded, listed under its document, or both.
    for document in documents[MAX_SHOTS:]:
        assert document.capture is not None and document.capture.screenshot
        assert f"<code>{document.capture.screenshot}</code>" in html.text


def test_the_byte_limit_counts_all_screenshots_together(
    accounts: Accounts, shots: tuple[Path, list[Document]], tmp_path: Path
) -> None:
    folder, documents = shots
    index = EmbeddedIndex(tmp_path / "index")
    index.setup()
    index.upsert(documents)
    settings = ApiSettings(
        evidence_dir=folder, report_max_screenshot_bytes=int(SCREENSHOT_BYTES * 1.5)
    )
    with TestClient(
        create_app(settings, index, accounts.database), headers=accounts.headers(Role.ANALYST)
    ) as client:
        made = _create(client, documents).json()
        html = client.get(f"/api/reports/{made['id']}/download", params={"format": "html"})
    index.close()
    assert html.text.count('src="data:image/png;base64,') == 1


NESTED = (
    "{% for a in range(99999) %}{% for b in range(99999) %}{% for c in range(99999) %}"
    "{% endfor %}{% endfor %}{% endfor %}"
)
RECURSIVE = "{% macro grow(n) %}{{ grow(n) }}{{ grow(n) }}{% endmacro %}{{ grow(1) }}"
WIDE = "{% for a in range(99999) %}{{ range(9999) | join(',') }}{% endfor %}"


@pytest.mark.parametrize(
    ("layout", "reason"),
    [
        (NESTED, "too many loop rounds or calls"),
        (RECURSIVE, "custom_template"),
        (WIDE, "too long"),
    ],
    ids=["nested-loops", "recursive-macro", "huge-output"],
)
def test_a_custom_layout_that_would_run_away_is_refused(
    reporter: TestClient, shots: tuple[Path, list[Document]], layout: str, reason: str
) -> None:
    _, documents = shots
    started = time.monotonic()
    refused = _create(reporter, documents[:1], custom_template=layout)
    assert refused.status_code == 422, refused.text[:300]
    assert reason in refused.json()["detail"]
    assert time.monotonic() - started < MAX_RENDER_SECONDS + 5


def test_a_custom_layout_within_its_budget_still_renders(
    reporter: TestClient, shots: tuple[Path, list[Document]]
) -> None:
    _, documents = shots
    layout = (
        '{% extends "_base.html" %}{% block body %}'
        "{% for item in report.documents %}<p>{{ loop.index }} {{ item.document.title }}</p>"
        "{% endfor %}{% endblock %}"
    )
    made = _create(reporter, documents, custom_template=layout)
    assert made.status_code == 201, made.text


def test_a_custom_layout_cannot_print_where_the_screenshots_are(
    reporter: TestClient, shots: tuple[Path, list[Document]]
) -> None:
    folder, documents = shots
    refused = _create(reporter, documents[:1], custom_template="{{ report._evidence_dir }}")
    assert refused.status_code == 422
    assert str(folder) not in refused.text
