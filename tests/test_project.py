"""Project-wide rules: import layers, documented settings and commands, empty package inits."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from api.config import ApiSettings
from crawlers.config import CrawlerSettings
from index.config import IndexSettings
from linking.config import LinkingSettings
from nlp.config import NlpSettings
from track4tip.cli import app

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("track4tip", "crawlers", "nlp", "linking", "index", "api")
SETTINGS: list[type[BaseSettings]] = [
    CrawlerSettings,
    IndexSettings,
    LinkingSettings,
    NlpSettings,
    ApiSettings,
]


def test_imports_run_one_way() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("package", PACKAGES)
def test_package_inits_are_empty(package: str) -> None:
    for init in (ROOT / package).rglob("__init__.py"):
        assert init.read_text().strip() == "", f"{init} must stay empty"


def _environment_names(settings: type[BaseSettings]) -> list[str]:
    prefix = settings.model_config.get("env_prefix", "")
    return [f"{prefix}{name}".upper() for name in settings.model_fields]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda settings: settings.__name__)
def test_every_setting_is_documented_in_the_readme(settings: type[BaseSettings]) -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in _environment_names(settings) if f"`{name}`" not in readme]
    assert not missing, f"document these settings in README.md: {missing}"


def _commands() -> list[str]:
    return sorted(command.name or command.callback.__name__ for command in app.registered_commands)


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in _commands() if f"`track4tip {name}" not in readme]
    assert not missing, f"document these commands in README.md: {missing}"


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert re.search(rf"Example: .*track4tip {command}", result.output), result.output


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "make test" in (ROOT / "README.md").read_text()


def test_compose_file_is_valid() -> None:
    assert shutil.which("docker-compose"), "scripts/setup installs docker-compose"
    result = subprocess.run(
        ["docker-compose", "config", "--quiet"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
