"""`track4tip users …` against a real console database in a temporary data folder."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.accounts.users import Role, UserStore
from api.database import ConsoleDatabase
from index.config import IndexSettings
from track4tip.cli import app
from track4tip.users_commands import DEMO_USERS, create_demo_users, open_console_database

PASSWORD = "a long enough password"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACK4TIP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRACK4TIP_API_DATABASE_PATH", raising=False)
    return tmp_path


def run(*arguments: str, input: str | None = None):
    return CliRunner().invoke(app, ["users", *arguments], input=input, terminal_width=200)


def test_add_list_key_disable(data_dir: Path) -> None:
    added = run("add", "ana.perez", "--role", "investigator", "--password", PASSWORD)
    assert added.exit_code == 0, added.output
    assert "Made user ana.perez (investigator)." in added.output
    keyed = run("key", "ana.perez", "--name", "alerts")
    assert keyed.exit_code == 0, keyed.output
    token = keyed.output.strip().splitlines()[-1]
    assert token.startswith("t4t_")
    with sqlite3.connect(data_dir / "console.sqlite3") as connection:
        (stored,) = connection.execute("SELECT token_sha256 FROM api_keys").fetchone()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    listed = run("list").output
    assert "ana.perez" in listed and "investigator" in listed and "active" in listed
    assert run("disable", "ana.perez").exit_code == 0
    assert "disabled" in run("list").output
    store = UserStore(ConsoleDatabase(data_dir / "console.sqlite3"))
    assert store.user_for_key(token) is None
    assert run("disable", "ana.perez", "--enable").exit_code == 0
    assert store.user_for_key(token) is not None


def test_password_is_asked_for_when_not_given(data_dir: Path) -> None:
    result = run("add", "bea", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert UserStore(open_console_database()).authenticate("bea", PASSWORD) is not None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("add", "Bad Name!", "--password", PASSWORD), "username 'Bad Name!'"),
        (("add", "carla", "--password", "short"), "a password needs 10 to 1024 characters"),
        (("key", "nobody"), "no user named 'nobody'"),
        (("disable", "nobody"), "no user named 'nobody'"),
    ],
)
def test_bad_input_is_refused_clearly(data_dir: Path, arguments: tuple, message: str) -> None:
    result = run(*arguments)
    assert result.exit_code == 1
    assert message in result.output


def test_unknown_role_is_refused_by_the_parser(data_dir: Path) -> None:
    result = run("add", "dora", "--role", "superuser", "--password", PASSWORD)
    assert result.exit_code == 2
    assert "superuser" in result.output


def test_duplicate_user_is_refused(data_dir: Path) -> None:
    assert run("add", "eva", "--password", PASSWORD).exit_code == 0
    again = run("add", "eva", "--password", PASSWORD)
    assert again.exit_code == 1 and "a user named 'eva' exists already" in again.output


def test_demo_users_get_new_passwords_each_time(tmp_path: Path) -> None:
    store = UserStore(open_console_database(index_settings=IndexSettings(data_dir=tmp_path)))
    first = dict((user.username, password) for user, password in create_demo_users(store))
    second = dict((user.username, password) for user, password in create_demo_users(store))
    assert set(first) == {name for name, _ in DEMO_USERS}
    assert all(first[name] != second[name] for name in first)
    analyst = store.authenticate("analyst", second["analyst"])
    assert analyst is not None and analyst.role is Role.ANALYST
    assert store.authenticate("analyst", first["analyst"]) is None


def test_a_command_line_key_takes_the_lifetime_setting(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACK4TIP_API_API_KEY_LIFETIME_DAYS", "7")
    assert run("add", "ana.perez", "--password", PASSWORD).exit_code == 0
    keyed = run("key", "ana.perez")
    assert keyed.exit_code == 0, keyed.output
    store = UserStore(ConsoleDatabase(data_dir / "console.sqlite3"))
    (key,) = store.keys(store.by_username("ana.perez").id)
    assert key.expires_at is not None and key.created_at is not None
    assert (key.expires_at - key.created_at).days == 7
    assert f"expires {key.expires_at.date().isoformat()}" in keyed.output
