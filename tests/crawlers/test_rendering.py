"""Rendering in real Chromium (Debian's /usr/bin/chromium through scrapy-playwright): page
actions (infinite scroll, "load more"), screenshots kept as evidence, contexts recycled."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError
from warcio.archiveiterator import ArchiveIterator

from crawlers.capture import verify_captures
from crawlers.config import CrawlerSettings
from crawlers.profiles import PageAction, SourceProfile
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from crawlers.spool import iter_all
from index.document import Document
from tests.crawlers.local_server import serve

pytestmark = pytest.mark.e2e
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DETAILS = 5

# Each ad shows its first paragraph; three more arrive through "load more" and two through
# infinite scroll, all written by scripts.
_AD = """<!doctype html><html><head><meta charset="utf-8"><title>Aviso {n}</title>
<style>.spacer {{ height: 2000px; }}</style></head><body>
<h1 class="job-title">Aviso {n}</h1>
<div class="job-description"><p>Primer párrafo del aviso {n}.</p></div>
<button class="more">Ver más</button><div class="spacer"></div>
<script>
const text = document.querySelector(".job-description");
function add(label) {{ const p = document.createElement("p"); p.textContent = label;
  text.appendChild(p); }}
let clicks = 0;
document.querySelector("button.more").addEventListener("click", () => {{
  clicks += 1; add("Más " + clicks);
  if (clicks === 3) document.querySelector("button.more").remove();
}});
let scrolls = 0;
window.addEventListener("scroll", () => {{
  if (scrolls < 2 && window.scrollY + window.innerHeight >= document.body.scrollHeight - 50) {{
    scrolls += 1; add("Desplazado " + scrolls);
    const spacer = document.createElement("div"); spacer.className = "spacer";
    document.body.appendChild(spacer);
  }}
}});
</script></body></html>
"""


def _site(root: Path) -> Path:
    links = "".join(f'<a class="job-link" href="/aviso-{n}.html">{n}</a>' for n in range(DETAILS))
    (root / "index.html").write_text(
        f"<!doctype html><html><body>{links}</body></html>\n", encoding="utf-8"
    )
    for n in range(DETAILS):
        (root / f"aviso-{n}.html").write_text(_AD.format(n=n), encoding="utf-8")
    return root


PROFILE = SourceProfile(
    name="Avisos dinámicos",
    site="dinamicos",
    kind="job_board",
    spider="listing",
    start_urls=["/"],
    render=True,
    page_actions=[
        PageAction(kind="click", selector="button.more", times=5, wait_ms=100),
        PageAction(kind="scroll", times=4, wait_ms=300),
    ],
    links={"detail": "a.job-link"},
    fields={"title": "h1.job-title", "description": "div.job-description"},
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlReport, list[Document], Path]:
    config = CrawlerSettings(
        data_dir=tmp_path_factory.mktemp("data"),
        download_delay=0,
        autothrottle=False,
        render_pages_per_context=2,
        render_max_contexts=2,
    )
    with serve(_site(tmp_path_factory.mktemp("site"))) as base_url:
        report = run_crawl_in_subprocess([PROFILE], config, base_url)
    return report, list(iter_all(config.spool_path)), config.warc_dir


def test_page_actions_load_everything_before_extraction(rendered) -> None:
    _, documents, _ = rendered
    assert sorted(urlsplit(d.url).path for d in documents) == [
        f"/aviso-{n}.html" for n in range(DETAILS)
    ]
    for document in documents:
        lines = document.text.splitlines()
        assert [line for line in lines if line.startswith("Más")] == ["Más 1", "Más 2", "Más 3"]
        assert [line for line in lines if line.startswith("Desplazado")] == [
            "Desplazado 1",
            "Desplazado 2",
        ]


def test_rendered_pages_are_captured_with_a_screenshot(rendered) -> None:
    _, documents, warc_dir = rendered
    for document in documents:
        capture = document.capture
        assert capture is not None and capture.screenshot and capture.warc_file
        assert (warc_dir / capture.screenshot).read_bytes().startswith(PNG_SIGNATURE)
        with (warc_dir / capture.warc_file).open("rb") as handle:
            record = next(
                r
                for r in ArchiveIterator(handle)
                if r.rec_headers.get_header("WARC-Record-ID") == capture.record_id
            )
            assert record.rec_type == "resource"
            assert b"Desplazado 2" in record.content_stream().read()
    report = verify_captures(warc_dir)
    assert report.ok and report.screenshots == DETAILS + 1


def test_contexts_are_recycled_and_bounded(rendered) -> None:
    report, _, _ = rendered
    source = report.source("dinamicos")
    assert source.rendered == DETAILS + 1
    browser = source.browser
    # six pages at two per context: three contexts, never more than two at once
    assert browser["context_count"] == 3
    assert browser["context_count/max_concurrent"] <= 2
    # pages at once: per context, the per-domain concurrency (2), times two contexts
    assert browser["page_count/max_concurrent"] <= 4


def test_a_broken_page_action_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs a selector"):
        PageAction(kind="click")
    with pytest.raises(ValidationError, match="times"):
        PageAction(kind="scroll", times=0)
    with pytest.raises(ValidationError, match="render_when"):
        PROFILE.model_validate({**PROFILE.model_dump(), "render_when": "always"})
