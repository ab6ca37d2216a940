"""Saved searches: save, list, run, change, delete — each user sees only their own."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.accounts.users import Role
from index.document import Document
from tests.api.conftest import HTML, Accounts, log_in


def _save(client: TestClient, name: str, query: dict, **headers: str):
    return client.post("/api/saved-searches", json={"name": name, "query": query}, headers=headers)


def test_save_list_run_and_delete(client: TestClient, documents: dict[str, Document]) -> None:
    made = _save(client, "Pasajes pagados", {"q": "pasaje", "sort": "risk", "page": 3})
    assert made.status_code == 201, made.text
    saved = made.json()
    assert saved["query"]["q"] == "pasaje" and saved["query"]["page"] == 1  # paging not kept
    assert saved["name"] in [item["name"] for item in client.get("/api/saved-searches").json()]
    run = client.get(f"/api/saved-searches/{saved['id']}/run").json()
    assert [hit["id"] for hit in run["hits"]] == [
        documents["modelos"].id,
        documents["anfitrion"].id,
    ]
    second_page = client.get(
        f"/api/saved-searches/{saved['id']}/run", params={"size": 1, "page": 2}
    )
    assert [hit["id"] for hit in second_page.json()["hits"]] == [documents["anfitrion"].id]
    renamed = client.patch(f"/api/saved-searches/{saved['id']}", json={"name": "Pasajes"})
    assert renamed.json()["name"] == "Pasajes" and renamed.json()["query"]["q"] == "pasaje"
    assert client.delete(f"/api/saved-searches/{saved['id']}").status_code == 200
    assert client.get(f"/api/saved-searches/{saved['id']}").status_code == 404


def test_another_users_saved_search_is_not_found(client: TestClient, accounts: Accounts) -> None:
    mine = _save(client, "solo mía", {"q": "modelos"}).json()
    investigator = accounts.headers(Role.INVESTIGATOR)
    for method, path in (("GET", ""), ("GET", "/run"), ("DELETE", ""), ("PATCH", "")):
        response = client.request(
            method,
            f"/api/saved-searches/{mine['id']}{path}",
            headers=investigator,
            json={"name": "x"} if method == "PATCH" else None,
        )
        assert response.status_code == 404, (method, path)
    assert client.get(f"/api/saved-searches/{mine['id']}").status_code == 200


def test_bad_saved_searches_are_refused(client: TestClient) -> None:
    assert _save(client, "dup", {}).status_code == 201
    duplicate = _save(client, "dup", {"q": "otra"})
    assert duplicate.status_code == 409
    assert duplicate.json() == {"detail": "you have a saved search named 'dup'"}
    unbalanced = _save(client, "bad quote", {"q": '"open'})
    assert unbalanced.status_code == 422 and "unbalanced quote" in unbalanced.json()["detail"]
    unknown = _save(client, "bad field", {"colour": "red"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "query", "colour"]
    assert _save(client, "", {}).status_code == 422
    names = [item["name"] for item in client.get("/api/saved-searches").json()]
    assert "bad quote" not in names and "bad field" not in names


def test_console_saves_the_search_on_screen(client: TestClient) -> None:
    with TestClient(client.app) as browser:
        token = log_in(browser, "analyst-one")
        saved = browser.post(
            "/saved-searches",
            data={
                "name": "Modelos EC",
                "params": "q=modelos&country=EC&page=2",
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert saved.status_code == 303
        page = browser.get("/saved-searches", headers=HTML).text
        assert '<a href="/?q=modelos&amp;country=EC">Modelos EC</a>' in page
        refused = browser.post(
            "/saved-searches",
            data={"name": "roto", "params": "size=0", "csrf_token": token},
            headers=HTML,
        )
        assert refused.status_code == 422 and "size: Input should be greater" in refused.text
