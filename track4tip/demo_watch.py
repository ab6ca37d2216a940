"""`track4tip demo --watch`: the demo web keeps changing while `track4tip watch` keeps watch.

After the demo's first crawl the demo web is served from a copy in the demo's data folder,
and its classifieds listing gains one invented ad every `every` seconds (`DemoArrivals`; some
are lures, some ordinary). `track4tip watch` runs in a child process on the demo's profiles,
each re-crawled at that interval, and the demo investigator has an alert rule on the console
channel: log in as `investigator` and the risky newcomers arrive as alerts (the console's
live alert stream), while this process serves the API as `track4tip demo` does.

The watch runs in its own process because it installs its own SIGTERM/SIGINT handling and
opens the index's writer path, as it does in production next to a separate API process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from api.accounts.users import UserStore
from api.alerting.rules import AlertRuleIn, AlertRuleStore, Channel
from api.config import ApiSettings
from crawlers.config import CrawlerSettings
from crawlers.profiles import DEMO_PROFILES
from index.config import IndexSettings
from nlp.risk import LOW_BELOW
from track4tip.demo_site import DemoSiteError
from track4tip.users_commands import open_console_database

# The listing's list of cards; a new card goes in first, as boards list the newest first.
_CARDS = '<ul class="cards">'
# The demo investigator's rule: medium risk or above, as the console bands it (nlp/risk.py).
DEMO_RULE = AlertRuleIn(
    name="Demo: new ads at medium risk or above",
    risk_threshold=LOW_BELOW,
    channels=[Channel.CONSOLE],
)
# The watch child is asked to stop (SIGTERM) and given this long to finish its runs in flight.
_WATCH_STOP_GRACE_SECONDS = 120


@dataclass(frozen=True)
class ArrivingAd:
    """An invented classifieds ad (the demo web's content is all invented, see its README)."""

    slug: str
    title: str
    price: str
    location: str
    contact: str
    paragraphs: tuple[str, ...]


ARRIVING_ADS = (
    ArrivingAd(
        slug="modelos-curazao-viaje-pagado",
        title="Modelos para Curazao – viaje y hospedaje pagados",
        price="Hasta USD 4,000 al mes",
        location="Lima (viaje a Curazao)",
        contact="+58 414 555 0190 (solo WhatsApp)",
        paragraphs=(
            "Buscamos señoritas de 18 a 23 años, sin experiencia, para trabajar como modelos "
            "y anfitrionas en Curazao. Enviar fotos de cuerpo completo.",
            "Pasaje pagado y hospedaje gratis; la agencia guarda el pasaporte durante el "
            "contrato. Salida inmediata, la deuda del viaje se descuenta del sueldo.",
        ),
    ),
    ArrivingAd(
        slug="ayudante-cocina-miraflores",
        title="Ayudante de cocina para restaurante en Miraflores",
        price="S/ 1,300 mensuales",
        location="Miraflores, Lima",
        contact="cocina.miraflores@example.org",
        paragraphs=(
            "Restaurante busca ayudante de cocina con experiencia mínima de un año. Turno de "
            "mañana, planilla completa y seguro de salud desde el primer mes.",
            "Presentarse con CV de lunes a viernes de 9 a 12 h.",
        ),
    ),
    ArrivingAd(
        slug="trabalho-aruba-garconetes",
        title="Trabalho em Aruba para garçonetes – passagem paga",
        price="USD 3,500 por mês",
        location="Lima (viagem a Aruba)",
        contact="+58 412 555 0175 (WhatsApp)",
        paragraphs=(
            "Procuramos moças de 18 a 22 anos para trabalhar como garçonetes em bar de Aruba. "
            "Não precisa de experiência nem de documentos, o resto é por nossa conta.",
            "Passagem e alojamento pagos; viagem imediata. Enviar fotos pelo WhatsApp.",
        ),
    ),
    ArrivingAd(
        slug="vendo-refrigeradora-surco",
        title="Vendo refrigeradora de dos puertas en Surco",
        price="S/ 900",
        location="Santiago de Surco, Lima",
        contact="+51 987 555 012",
        paragraphs=(
            "Refrigeradora de 300 litros, cuatro años de uso, en buen estado. Entrega en "
            "Surco; se acepta revisión antes de la compra.",
        ),
    ),
)


def _page(ad: ArrivingAd, slug: str) -> str:
    body = "\n".join(f"<p>{paragraph}</p>" for paragraph in ad.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="es">
<head><meta charset="utf-8"><title>{ad.title} | Clasificados del Sur</title>
<link rel="stylesheet" href="/css/site.css"></head>
<body>
<main>
<article class="ad">
<h1 class="ad-title">{ad.title}</h1>
<p class="ad-meta"><span class="ad-price">{ad.price}</span> ·
<span class="ad-location">{ad.location}</span></p>
<div class="ad-body">
{body}
</div>
<p class="ad-contact-line">Contacto: <span class="ad-contact">{ad.contact}</span></p>
</article>
</main>
<footer class="site-footer">Sitio de demostración con contenido ficticio.</footer>
</body>
</html>
"""


class DemoArrivals:
    """Adds invented ads, one at a time, to a copy of the demo web's classifieds listing
    (never to the checkout's own demo web, which the tests read)."""

    def __init__(self, web_root: Path, ads: tuple[ArrivingAd, ...] = ARRIVING_ADS) -> None:
        self.listing = web_root / "clasificados" / "index.html"
        if _CARDS not in self._read_listing():
            raise DemoSiteError(f"{self.listing} has no {_CARDS} list to add ads to")
        self.ads = ads
        self.added = 0

    def _read_listing(self) -> str:
        try:
            return self.listing.read_text(encoding="utf-8")
        except OSError as error:
            raise DemoSiteError(f"cannot read the demo listing {self.listing}: {error}") from error

    def add_next(self) -> str:
        """Publish the next ad (after the last one, the list again under new addresses);
        returns its file name."""
        ad = self.ads[self.added % len(self.ads)]
        rounds = self.added // len(self.ads)
        slug = ad.slug if rounds == 0 else f"{ad.slug}-{rounds + 1}"
        name = f"{slug}.html"
        (self.listing.parent / name).write_text(_page(ad, slug), encoding="utf-8")
        card = (
            f'{_CARDS}\n<li class="card">\n  <a class="ad-link" href="/clasificados/{name}">'
            f'{ad.title}</a>\n  <span class="card-meta">{ad.price} · {ad.location}</span>\n</li>'
        )
        # Written whole, then renamed: a crawl reading the listing meanwhile sees one version.
        updated = self.listing.with_suffix(".tmp")
        updated.write_text(self._read_listing().replace(_CARDS, card, 1), encoding="utf-8")
        updated.replace(self.listing)
        self.added += 1
        return name

    def run(
        self, every: float, stop: threading.Event, on_added: Callable[[str], object] | None = None
    ) -> None:
        """Add an ad every `every` seconds until `stop` is set."""
        while not stop.wait(every):
            name = self.add_next()
            if on_added is not None:
                on_added(name)


def add_demo_rule(index_settings: IndexSettings) -> None:
    """The demo investigator's console alert rule (made after the first crawl, so it fires
    for the ads that arrive later, not for the demo web's own)."""
    database = open_console_database(ApiSettings(), index_settings)
    investigator = UserStore(database).by_username("investigator")
    AlertRuleStore(database).create(DEMO_RULE, investigator)


def write_watch_profiles(path: Path, every: float) -> Path:
    """The demo's profiles, each re-crawled every `every` seconds (a few seconds' jitter)."""
    sources = yaml.safe_load(DEMO_PROFILES.read_text(encoding="utf-8"))["sources"]
    for source in sources:
        source["schedule"] = {"interval": every, "jitter": min(5.0, every / 4)}
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    return path


def watch_environment(settings: CrawlerSettings) -> dict[str, str]:
    """The child's settings: the demo's data folder and its crawl overrides (cli.demo)."""
    networks = ",".join(str(network) for network in settings.crawl_allowed_private_networks)
    return {
        **os.environ,
        "TRACK4TIP_DATA_DIR": str(settings.data_dir.resolve()),
        "TRACK4TIP_DOWNLOAD_DELAY": str(settings.download_delay),
        "TRACK4TIP_AUTOTHROTTLE": str(settings.autothrottle).lower(),
        "TRACK4TIP_CRAWL_ALLOWED_PRIVATE_NETWORKS": networks,
    }


def start_watch(settings: CrawlerSettings, base_url: str, every: float) -> subprocess.Popen[bytes]:
    """`track4tip watch` on the demo web, in a child process whose lines reach the terminal."""
    profiles = write_watch_profiles(settings.data_dir / "demo-watch-profiles.yaml", every)
    command = [sys.executable, "-m", "track4tip", "watch", "--profiles", str(profiles)]
    return subprocess.Popen([*command, "--base-url", base_url], env=watch_environment(settings))


def stop_watch(watch: subprocess.Popen[bytes]) -> int:
    """Ask the watch to stop as SIGTERM does in production; kill it only if it hangs."""
    if watch.poll() is None:
        watch.send_signal(signal.SIGTERM)
    try:
        return watch.wait(timeout=_WATCH_STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        watch.kill()
        return watch.wait()
