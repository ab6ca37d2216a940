"""`track4tip users …`: the console's users and API keys, from the terminal.

The commands only parse arguments and call `api.accounts.users.UserStore`; the console database is
`TRACK4TIP_API_DATABASE_PATH`, else `<TRACK4TIP_DATA_DIR>/console.sqlite3` beside the index.
Passwords are asked for (hidden) unless given; a key's token is printed once and never again.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.accounts.users import Role, User, UserStore
from api.config import ApiSettings
from api.database import DEFAULT_FILE_NAME, ConsoleDatabase
from api.errors import ConsoleError, RecordConflict
from index.config import IndexSettings

users_app = typer.Typer(help="Console users, their roles and API keys.", no_args_is_help=True)
console = Console()

# The demo's users: one per role, so a person can try each job.
DEMO_USERS = (
    ("admin", Role.ADMIN),
    ("analyst", Role.ANALYST),
    ("investigator", Role.INVESTIGATOR),
    ("researcher", Role.RESEARCHER),
)


def open_console_database(
    api_settings: ApiSettings | None = None, index_settings: IndexSettings | None = None
) -> ConsoleDatabase:
    api_settings = api_settings or ApiSettings()
    if api_settings.database_path is not None:
        return ConsoleDatabase(api_settings.database_path)
    data_dir = (index_settings or IndexSettings()).data_dir
    return ConsoleDatabase(data_dir / DEFAULT_FILE_NAME)


def create_demo_users(store: UserStore) -> list[tuple[User, str]]:
    """One user per role with a fresh random password each (printed once by the caller);
    a demo user that exists already gets a new password."""
    made = []
    for name, role in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        try:
            user = store.create(name, password, role)
        except RecordConflict:
            user = store.by_username(name)
            store.set_password(user.id, password)
        made.append((user, password))
    return made


def print_demo_users(console: Console, index_settings: IndexSettings) -> None:
    """Make the demo's users and print their passwords: the only time they are shown."""
    store = UserStore(open_console_database(ApiSettings(), index_settings))
    table = Table("user", "role", "password", title="Demo users (passwords shown once)")
    for user, password in create_demo_users(store):
        table.add_row(user.username, user.role.value, password)
    console.print(table)


def _store() -> UserStore:
    return UserStore(open_console_database())


def _fail(error: ConsoleError) -> typer.Exit:
    console.print(f"[red]error:[/red] {error}")
    return typer.Exit(code=1)


@users_app.command("add")
def add_user(
    username: Annotated[str, typer.Argument(help="Lower-case name, e.g. ana.perez.")],
    role: Annotated[Role, typer.Option(help="What the user may do.")] = Role.ANALYST,
    password: Annotated[
        str | None, typer.Option(help="Default: asked for, hidden.", show_default=False)
    ] = None,
) -> None:
    """Make a console user.

    Example: track4tip users add ana.perez --role analyst
    """
    secret = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = _store().create(username, secret, role)
    except ConsoleError as error:
        raise _fail(error) from error
    console.print(f"Made user {user.username} ({user.role}).")


@users_app.command("list")
def list_users() -> None:
    """Every user with their role, state and keys.

    Example: track4tip users list
    """
    store = _store()
    table = Table("id", "user", "role", "state", "keys in use")
    for user in store.all():
        live = [key for key in store.keys(user.id) if key.revoked_at is None]
        state = "disabled" if user.disabled else "active"
        table.add_row(str(user.id), user.username, user.role.value, state, str(len(live)))
    console.print(table)


@users_app.command("key")
def make_key(
    username: Annotated[str, typer.Argument(help="Whose key.")],
    name: Annotated[str, typer.Option(help="What the key is for.")] = "command line",
) -> None:
    """Make an API key for a user and print it, once.

    Example: track4tip users key ana.perez --name "nightly export"
    """
    store = _store()
    lifetime = timedelta(days=ApiSettings().api_key_lifetime_days)
    try:
        key, token = store.create_key(store.by_username(username).id, name, lifetime=lifetime)
    except ConsoleError as error:
        raise _fail(error) from error
    expires = key.expires_at.date().isoformat() if key.expires_at else "never"
    console.print(f"API key {key.id} for {username}, expires {expires} (shown once, keep it safe):")
    console.print(token, markup=False, highlight=False)


@users_app.command("disable")
def disable_user(
    username: Annotated[str, typer.Argument(help="Who.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable again instead.")] = False,
) -> None:
    """Disable a user (no login, no keys), or enable them again; their history stays.

    Example: track4tip users disable ana.perez
    """
    store = _store()
    try:
        user = store.set_disabled(store.by_username(username).id, not enable)
    except ConsoleError as error:
        raise _fail(error) from error
    console.print(f"{user.username}: {'disabled' if user.disabled else 'enabled'}.")
