"""Schemathesis against the OpenAPI spec: no operation answers 5xx to anything the spec allows
(and plenty it does not: schemathesis also sends negative examples).

One test per operation, from the app's routers, each with its own admin and key (so a fuzzed
`PATCH /api/users/{id}` or key revocation cannot lock the rest out), bounded examples and a
derandomised Hypothesis, so a run is repeatable. The server-sent event stream is left out: it
never ends by design. About a minute on two idle cores.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from schemathesis.schemas import BaseSchema as OpenApiSchema

from api.accounts.users import Role, UserStore
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.main import ROUTER_MODULES, create_app
from index.embedded import EmbeddedIndex
from tests.api.conftest import TEST_PASSWORD, corpus

EXAMPLES = 15
NEVER_ENDING = {"text/event-stream"}
_admins = count(1)


def _never_ends(route: APIRoute) -> bool:
    """Answers with a stream that stays open (documented so in its responses)."""
    documented = route.responses.get(200, {}).get("content", {})
    return bool(NEVER_ENDING & set(documented))


def _operations() -> Iterator[tuple[str, str]]:
    for module in ROUTER_MODULES:
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            if not route.include_in_schema:
                continue
            if _never_ends(route):
                continue
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route.path


OPERATIONS = list(_operations())


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, UserStore]]:
    folder = tmp_path_factory.mktemp("fuzz")
    index = EmbeddedIndex(folder / "index")
    index.setup()
    index.upsert(corpus().values())
    database = ConsoleDatabase(folder / "console.sqlite3")
    # Exports need their key; without one they answer 503 on purpose ("switched off").
    settings = ApiSettings(pseudonymisation_key="fuzzing-key-of-16+chars")
    yield create_app(settings, index, database), UserStore(database)
    index.close()


@pytest.fixture(scope="module")
def schema(fuzzed: tuple[FastAPI, UserStore]) -> OpenApiSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed[0])


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_operation_answers_5xx(
    fuzzed: tuple[FastAPI, UserStore], schema: OpenApiSchema, method: str, path: str
) -> None:
    store = fuzzed[1]
    admin = store.create(f"fuzz-admin-{next(_admins)}", TEST_PASSWORD, Role.ADMIN)
    headers = {"Authorization": f"Bearer {store.create_key(admin.id, 'fuzz')[1]}"}
    operation = schema[path][method.lower()]
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def call(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(
                f"{response.status_code} for {case.as_curl_command()}: {response.text[:300]}"
            )

    call()
    assert not failures, "\n".join(failures[:5])
