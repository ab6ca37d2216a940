"""A real embedded index in a temporary directory, filled with a small known corpus, and a
TestClient over the app built on it.

Every route needs a role, so the clients call with an API key: `client` and `fresh_client` as
an analyst (who may search and read); `accounts` holds a user and key of each role, made once
per module in a console database of its own (scrypt makes users slow to create on purpose).

The corpus is chosen so every total and facet count in the tests can be worked out by hand:

    key        kind         site              country lang risk  indicators              published
    modelos    classifieds  anuncios.example  EC      es   0.90  travel_paid,body_photo  2024-03-01
    cocinero   job_board    empleos.example   PE      es   0.20  no_experience           2024-02-01
    anfitrion  social       red.example       CO      es   0.50  travel_paid             2024-01-15
    nurses     job_board    jobs.example      TT      en   0.60  (none)                  2024-03-10
    noticia    news         diario.example    VE      es   0.00  (none)                  (none)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role, User, UserStore
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.main import create_app
from index.document import Document, SourceKind
from index.embedded import EmbeddedIndex
from tests.factories import make_document

TEST_PASSWORD = "correct horse battery"
HTML = {"accept": "text/html"}


@dataclass(frozen=True)
class Accounts:
    """One user of each role, with an API key; all share TEST_PASSWORD."""

    database: ConsoleDatabase
    users: dict[Role, User]
    keys: dict[Role, str]

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


def make_accounts(database: ConsoleDatabase) -> Accounts:
    store = UserStore(database)
    users = {role: store.create(f"{role.value}-one", TEST_PASSWORD, role) for role in Role}
    keys = {role: store.create_key(user.id, "tests")[1] for role, user in users.items()}
    return Accounts(database=database, users=users, keys=keys)


def form_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match[1]


def log_in(browser: TestClient, username: str, password: str = TEST_PASSWORD) -> str:
    """Log in through the form; the CSRF token of the new session."""
    token = form_token(browser.get("/login").text)
    response = browser.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return form_token(browser.get("/", headers=HTML).text)


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Accounts:
    database = ConsoleDatabase(tmp_path_factory.mktemp("console") / "console.sqlite3")
    return make_accounts(database)


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


def corpus() -> dict[str, Document]:
    return {
        "modelos": make_document(
            canonical_url="https://anuncios.example/ad/modelos",
            kind=SourceKind.CLASSIFIEDS,
            site="anuncios.example",
            country="EC",
            title="Se buscan modelos para trabajar en el exterior",
            text="Agencia busca modelos jóvenes. Pasaje pagado. Enviar foto de cuerpo entero.",
            risk_score=0.9,
            indicator_ids=("travel_paid", "body_photo"),
            published_at=_day(2024, 3, 1),
        ),
        "cocinero": make_document(
            canonical_url="https://empleos.example/oferta/cocinero",
            site="empleos.example",
            country="PE",
            title="Oferta de empleo: cocinero en Lima",
            text="Restaurante contrata cocinero con contrato formal; no se necesita experiencia.",
            risk_score=0.2,
            indicator_ids=("no_experience",),
            published_at=_day(2024, 2, 1),
        ),
        "anfitrion": make_document(
            canonical_url="https://red.example/post/anfitrionas",
            kind=SourceKind.SOCIAL,
            site="red.example",
            country="CO",
            title="Anfitrionas y modelos, viaje a Panamá",
            text="Buscamos anfitrionas para eventos. Pasaje pagado y alojamiento incluido.",
            risk_score=0.5,
            indicator_ids=("travel_paid",),
            published_at=_day(2024, 1, 15),
        ),
        "nurses": make_document(
            canonical_url="https://jobs.example/nurses",
            site="jobs.example",
            country="TT",
            language="en",
            title="Nurses wanted abroad, visa provided",
            text="Hospital group hires registered nurses; visa and housing provided.",
            risk_score=0.6,
            indicator_ids=(),
            published_at=_day(2024, 3, 10),
        ),
        "noticia": make_document(
            canonical_url="https://diario.example/noticias/red-desarticulada",
            kind=SourceKind.NEWS,
            site="diario.example",
            country="VE",
            title="Desarticulan red que captaba modelos con falsas ofertas",
            text="La policía desarticuló una red que ofrecía trabajo en el exterior.",
            risk_score=0.0,
            indicator_ids=(),
            published_at=None,
        ),
    }


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return corpus()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, documents: dict[str, Document]):
    backend = EmbeddedIndex(tmp_path_factory.mktemp("index"))
    backend.setup()
    backend.upsert(documents.values())
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def client(index: EmbeddedIndex, accounts: Accounts) -> Iterator[TestClient]:
    app = create_app(ApiSettings(), index, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.ANALYST)) as test_client:
        yield test_client


@pytest.fixture
def fresh_index(tmp_path: Path) -> Iterator[EmbeddedIndex]:
    """An empty index of its own, for tests that write."""
    backend = EmbeddedIndex(tmp_path / "index")
    backend.setup()
    yield backend
    backend.close()


@pytest.fixture
def fresh_client(fresh_index: EmbeddedIndex, accounts: Accounts) -> Iterator[TestClient]:
    app = create_app(ApiSettings(), fresh_index, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.ANALYST)) as test_client:
        yield test_client
