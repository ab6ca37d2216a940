"""A tiny synthetic web, written into a temp folder, for crawl tests that do not need tests/site.

It has one page of every kind the crawlers must accept or refuse: a JSON-LD job ad, an ad with
selectors only, the same ad linked twice (tracking parameters, fragment), a JavaScript-only ad,
a dead link, a robots-forbidden ad, a truncated ad, a binary "HTML" ad, a redirect loop, an RSS
feed with one article and one entry without a link, and a two-page channel preview.
"""

from __future__ import annotations

import gzip
from pathlib import Path

REDIRECTS = {
    "/clasificados/redirige.html": "/clasificados/redirige-2.html",
    "/clasificados/redirige-2.html": "/clasificados/redirige.html",
}
TYPES = {"/clasificados/foto-anuncio.html": "text/html"}

_JOB_JSONLD = """{"@context": "https://schema.org", "@type": "JobPosting", "title": "Cocinero",
 "description": "Se busca cocinero<br/>con experiencia.", "datePosted": "2024-05-02",
 "hiringOrganization": {"@type": "Organization", "name": "Restaurante Ejemplo"},
 "jobLocation": {"@type": "Place",
   "address": {"addressLocality": "Bogotá", "addressCountry": "CO"}},
 "baseSalary": {"@type": "MonetaryAmount", "currency": "COP",
   "value": {"@type": "QuantitativeValue", "value": 2500000, "unitText": "MONTH"}}}"""


def _page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>\n"


def _channel_post(number: int, text: str, date: str) -> str:
    return (
        f'<div class="tgme_widget_message_wrap"><div class="tgme_widget_message" '
        f'data-post="ofertas_exterior/{number}"><a class="tgme_widget_message_owner_name" '
        f'href="#"><span>Ofertas Exterior</span></a><div class="tgme_widget_message_text">{text}'
        f'</div><a class="tgme_widget_message_date" href="#"><time datetime="{date}">x</time>'
        "</a></div></div>"
    )


PAGES: dict[str, str] = {
    "robots.txt": "User-agent: *\nDisallow: /privado/\n",
    "empleos/index.html": _page(
        '<a class="job-link" href="/empleos/cocinero.html?utm_source=x">Cocinero</a>'
        '<a class="job-link" href="/empleos/cocinero.html#top">Cocinero</a>'
        '<a class="job-link" href="/empleos/oferta-especial.html">Especial</a>'
        '<a class="job-link" href="/empleos/oferta-expirada.html">Expirada</a>'
        '<a class="job-link" href="/privado/index.html">Privado</a>'
        '<a class="job-link" href="https://elsewhere.example.org/empleo.html">Fuera</a>'
        '<a class="next-page" href="/empleos/pagina-2.html">Siguiente</a>'
    ),
    "empleos/pagina-2.html": _page('<a class="job-link" href="chofer.html">Chofer</a>'),
    "empleos/cocinero.html": _page(
        '<h1 class="job-title">Cocinero (visible)</h1><div class="job-description">Otro</div>'
        '<span class="job-contact">+57 310 555 0199</span>'
        '<time class="job-date" datetime="2024-05-01">1 mayo</time>',
        head=f'<script type="application/ld+json">{_JOB_JSONLD}</script>',
    ),
    "empleos/chofer.html": _page(
        '<h1 class="job-title">Chofer</h1><div class="job-description"><p>Chofer con licencia.'
        '</p><p>Turno noche.</p></div><span class="job-company">Transportes Ejemplo</span>'
        '<span class="job-contact">rrhh@example.com</span>'
        '<time class="job-date" datetime="2024-05-03T08:00:00-05:00">3 mayo</time>'
    ),
    "empleos/oferta-especial.html": _page(
        '<h1>EmpleosYa</h1><div id="app"></div><script>document.getElementById("app")'
        '.textContent = "Oferta";</script>'
    ),
    "privado/index.html": _page('<h1 class="job-title">Nunca</h1><div class="job-description">'),
    "clasificados/index.html": _page(
        "".join(
            f'<a class="ad-link" href="{slug}.html">{slug}</a>'
            for slug in ("moto", "anuncio-cortado", "foto-anuncio", "redirige")
        )
    ),
    "clasificados/moto.html": _page(
        '<h1 class="ad-title">Vendo moto</h1><div class="ad-body">Moto usada, buen estado.</div>'
        '<span class="ad-price">S/ 3000</span><time class="ad-date" datetime="2024-04-01">x</time>'
    ),
    "clasificados/anuncio-cortado.html": (
        '<!doctype html><html><body><h1 class="ad-title">Cortado</h1><div class="ad-bo'
    ),
    "noticias/feed.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>N</title>'
        "<item><title>Red desmantelada</title><link>/noticias/red.html</link><guid>n1</guid>"
        "<pubDate>Mon, 06 May 2024 10:00:00 -0400</pubDate><description>Resumen</description>"
        "</item><item><title>Sin enlace</title><description>x</description></item>"
        "</channel></rss>"
    ),
    "noticias/red.html": _page(
        '<article><h1>Red de trata desmantelada</h1><time datetime="2024-05-06T09:00:00-04:00">'
        '6 mayo</time><div class="article-body"><p>Primer párrafo.</p><p>Segundo párrafo.</p>'
        "</div></article>"
    ),
    "s/ofertas_exterior/index.html": _page(
        '<a class="tme_messages_more" data-before="105" href="/s/ofertas_exterior?before=105">'
        "</a>"
        + _channel_post(
            106,
            'Trabajo en Curazao <a href="https://wa.me/584125550147">escribe</a>',
            "2024-05-01T10:00:00+00:00",
        )
        + _channel_post(107, "", "2024-05-02T10:00:00+00:00")
    ),
    "s/ofertas_exterior/before-105.html": _page(
        _channel_post(101, "Viejo post<br>línea 2", "2024-04-01T10:00:00+00:00")
    ),
}

DOCUMENT_PATHS = {
    "empleosya": {"/empleos/cocinero.html", "/empleos/chofer.html"},
    "clasificados": {"/clasificados/moto.html"},
    "noticias": {"/noticias/red.html"},
    "ofertas_exterior": {"/ofertas_exterior/106", "/ofertas_exterior/101"},
}
ERRORS = {
    "empleosya": {"http_404": 1, "needs_javascript": 1, "robots_disallowed": 1},
    "clasificados": {"truncated_html": 1, "not_html": 1, "redirect_loop": 1},
    "noticias": {"feed_entry_without_link": 1},
    "ofertas_exterior": {"empty_post": 1},
}


def build_site(root: Path) -> Path:
    for relative, content in PAGES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    (root / "clasificados/foto-anuncio.html").write_bytes(gzip.compress(b"\x89PNG" * 64))
    return root
