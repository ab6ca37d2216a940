"""The demo web server: static files, the special routes, and its start/stop life cycle."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen
from urllib.robotparser import RobotFileParser

import httpx
import pytest

from track4tip.demo_site import DemoSite, DemoSiteError, site_root


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as running:
        yield running


@pytest.fixture(scope="module")
def client(site: DemoSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.base_url, follow_redirects=False, timeout=10) as http:
        yield http


def raw_get(site: DemoSite, path: str) -> http.client.HTTPResponse:
    """A request whose path goes out byte for byte (httpx would normalise '..')."""
    host, port = site.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_static_page_is_served_as_utf8_html(client: httpx.Client) -> None:
    response = client.get("/empleos/meseras-curazao.html")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<h1 class="job-title">Se buscan chicas para trabajar en Curazao' in response.text
    assert response.content == (site_root() / "empleos/meseras-curazao.html").read_bytes()


def test_stylesheet_and_feed_have_their_content_types(client: httpx.Client) -> None:
    assert client.get("/css/site.css").headers["content-type"].startswith("text/css")
    feed = client.get("/noticias/feed.xml")
    assert feed.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert feed.text.count("<item>") == 4


def test_directory_serves_its_index(client: httpx.Client) -> None:
    listing = client.get("/empleos/")
    assert listing.status_code == 200
    assert listing.content == (site_root() / "empleos/index.html").read_bytes()
    assert client.get("/").content == (site_root() / "index.html").read_bytes()


def test_directory_without_slash_redirects_to_slash(client: httpx.Client) -> None:
    response = client.get("/clasificados")
    assert response.status_code == 301
    assert response.headers["location"] == "/clasificados/"


def test_robots_disallows_only_privado(site: DemoSite, client: httpx.Client) -> None:
    response = client.get("/robots.txt")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.splitlines() == ["User-agent: *", "Disallow: /privado/"]
    robots = RobotFileParser()
    robots.parse(response.text.splitlines())
    assert not robots.can_fetch("*", site.url("/privado/"))
    assert robots.can_fetch("*", site.url("/empleos/cosecha-trinidad.html"))
    # Disallowed is not missing: the page is there for a crawler that ignores robots.txt.
    assert client.get("/privado/").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/no-existe.html", "/empleos/oferta-expirada.html", "/empleos/nada/", "/css/otro.css"],
)
def test_unknown_path_is_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "404" in response.text


@pytest.mark.parametrize(
    "path", ["/../pyproject.toml", "/%2e%2e/pyproject.toml", "/empleos/../../README.md"]
)
def test_paths_outside_the_root_are_404(site: DemoSite, path: str) -> None:
    assert raw_get(site, path).status == 404


def test_truncated_page_ends_mid_tag(client: httpx.Client) -> None:
    response = client.get("/clasificados/anuncio-cortado.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.content.endswith(b'<span class="ad-con')
    assert b"</html>" not in response.content
    assert int(response.headers["content-length"]) == len(response.content)


def test_binary_page_claims_html_but_is_png(client: httpx.Client) -> None:
    response = client.get("/clasificados/foto-anuncio.html")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")


def test_redirect_pages_point_at_each_other(client: httpx.Client) -> None:
    first = client.get("/clasificados/redirige.html")
    assert (first.status_code, first.headers["location"]) == (302, "/clasificados/redirige-2.html")
    second = client.get(first.headers["location"])
    assert (second.status_code, second.headers["location"]) == (302, "/clasificados/redirige.html")


def test_following_the_redirects_never_ends(site: DemoSite) -> None:
    with (
        httpx.Client(follow_redirects=True, max_redirects=6) as http,
        pytest.raises(httpx.TooManyRedirects),
    ):
        http.get(site.url("/clasificados/redirige.html"))
    with pytest.raises(HTTPError, match="redirect") as caught:
        urlopen(site.url("/clasificados/redirige.html"), timeout=10)
    caught.value.close()


def test_channel_pages_backwards_with_before(client: httpx.Client) -> None:
    newest = client.get("/s/ofertas_exterior")
    assert newest.status_code == 200
    assert [f'data-post="ofertas_exterior/{n}"' in newest.text for n in range(101, 109)] == [
        False
    ] * 4 + [True] * 4
    assert 'data-before="105" href="/s/ofertas_exterior?before=105"' in newest.text
    older = client.get("/s/ofertas_exterior?before=105")
    assert older.status_code == 200
    assert all(f'data-post="ofertas_exterior/{n}"' in older.text for n in range(101, 105))
    assert "ofertas_exterior/105" not in older.text
    assert "tme_messages_more" not in older.text
    assert client.get("/s/ofertas_exterior/").content == newest.content


@pytest.mark.parametrize(
    "path",
    [
        "/s/ofertas_exterior?before=999",
        "/s/ofertas_exterior?before=",
        "/s/ofertas_exterior?before=abc",
        "/s/ofertas_exterior?before=-5",
        "/s/canal_que_no_existe",
    ],
)
def test_missing_channel_page_is_404(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_head_sends_headers_without_body(site: DemoSite) -> None:
    response = httpx.head(site.url("/empleos/"))
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 1000
    assert response.content == b""


def test_start_stop_twice() -> None:
    demo = DemoSite()
    first = demo.start()
    assert httpx.get(first + "/robots.txt").status_code == 200
    demo.stop()
    demo.stop()  # a second stop is harmless
    with pytest.raises(httpx.ConnectError):
        httpx.get(first + "/robots.txt")
    second = demo.start()
    try:
        assert httpx.get(second + "/robots.txt").status_code == 200
    finally:
        demo.stop()


def test_start_while_running_is_refused(site: DemoSite) -> None:
    with pytest.raises(DemoSiteError, match="already running"):
        site.start()
    assert httpx.get(site.url("/")).status_code == 200


def test_base_url_before_start_is_an_error() -> None:
    with pytest.raises(DemoSiteError, match="not running"):
        _ = DemoSite().base_url


def test_port_zero_picks_a_free_port() -> None:
    with DemoSite(port=0) as one, DemoSite(port=0) as two:
        ports = {int(one.base_url.rsplit(":", 1)[1]), int(two.base_url.rsplit(":", 1)[1])}
        assert len(ports) == 2 and 0 not in ports
        assert httpx.get(one.url("/")).content == httpx.get(two.url("/")).content


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = DemoSite(port=port)
        with pytest.raises(DemoSiteError, match=f"cannot serve on 127.0.0.1:{port}"):
            demo.start()
        with pytest.raises(DemoSiteError, match="not running"):
            _ = demo.base_url


def test_url_needs_an_absolute_path(site: DemoSite) -> None:
    with pytest.raises(DemoSiteError, match="start with '/'"):
        site.url("empleos/")


def test_site_root_is_the_checkout_demo_web() -> None:
    root = site_root()
    assert root.name == "site" and root.parent.name == "tests"
    assert (root / "expected.json").is_file()


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DemoSiteError, match=r"demo web not found at .*missing"):
        DemoSite(root=tmp_path / "missing")
    with pytest.raises(DemoSiteError, match="demo web not found"):
        site_root(checkout=tmp_path)


def test_folder_without_index_is_not_a_demo_web(tmp_path: Path) -> None:
    (tmp_path / "robots.txt").write_text("User-agent: *\n")
    with pytest.raises(DemoSiteError, match=r"index\.html"):
        DemoSite(root=tmp_path)


def test_another_root_is_served(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!DOCTYPE html><p>otra web</p>", encoding="utf-8")
    with DemoSite(root=tmp_path) as other:
        assert httpx.get(other.url("/")).text == "<!DOCTYPE html><p>otra web</p>"
        assert httpx.get(other.url("/robots.txt")).status_code == 404
