"""Light paths stay light: each runs in a fresh interpreter, which then lists what it loaded.

`track4tip --help`, `track4tip search`, `import api.main`, a search through the API, the
Document model and the spool load none of the heavy libraries; starting a crawl loads Scrapy
but none of the NLP. A module-level import that pulls one of them into a light path fails
here, naming the library (find who imports it with `python -X importtime -c "import ..."`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Top-level packages that cost seconds to import, or pull a large native stack.
NLP = ("spacy", "thinc", "torch", "transformers", "sklearn", "datasketch")
HEAVY = (*NLP, "scrapy", "twisted", "pyarrow", "elasticsearch", "weasyprint", "playwright")

_REPORT = textwrap.dedent(
    """
    import json, sys
    heavy = {heavy!r}
    print("LOADED=" + json.dumps(sorted(name for name in heavy if name in sys.modules)))
    """
)


def _loaded_after(code: str, tmp_path: Path, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """Run `code` in a fresh interpreter; the heavy top-level packages it left in sys.modules."""
    script = textwrap.dedent(code) + _REPORT.format(heavy=heavy)
    environment = {**os.environ, "TRACK4TIP_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("LOADED="))
    return json.loads(line.removeprefix("LOADED="))


@pytest.mark.parametrize(
    "module", ["api.main", "track4tip.cli", "index.document", "crawlers.spool", "linking.step"]
)
def test_importing_a_light_module_loads_nothing_heavy(module: str, tmp_path: Path) -> None:
    assert _loaded_after(f"import {module}", tmp_path) == []


def test_help_loads_nothing_heavy(tmp_path: Path) -> None:
    code = """
    from track4tip.cli import app
    try:
        app(["--help"])
    except SystemExit as done:
        assert done.code == 0, done.code
    """
    assert _loaded_after(code, tmp_path) == []


def test_cli_search_on_the_embedded_index_loads_nothing_heavy(tmp_path: Path) -> None:
    code = """
    from track4tip.cli import app
    try:
        app(["search", "pasaje pagado"])
    except SystemExit as done:
        assert done.code == 0, done.code
    """
    assert _loaded_after(code, tmp_path) == []


def test_an_api_search_loads_nothing_heavy(tmp_path: Path) -> None:
    code = f"""
    from pathlib import Path
    from fastapi.testclient import TestClient
    from api.accounts.users import Role, UserStore
    from api.config import ApiSettings
    from api.database import ConsoleDatabase
    from api.main import create_app
    from index.embedded import EmbeddedIndex

    folder = Path({str(tmp_path)!r})
    database = ConsoleDatabase(folder / "console.sqlite3")
    users = UserStore(database)
    user = users.create("analyst-one", "a long enough password", Role.ANALYST)
    key = users.create_key(user.id, "weight")[1]
    with EmbeddedIndex(folder / "index") as index:
        index.setup()
        app = create_app(ApiSettings(), index, database)
        with TestClient(app, headers={{"Authorization": f"Bearer {{key}}"}}) as client:
            answer = client.get("/api/search", params={{"q": "pasaje"}})
            assert answer.status_code == 200, answer.text
            page = client.get("/", params={{"q": "pasaje"}}, headers={{"Accept": "text/html"}})
            assert page.status_code == 200, page.text
    """
    assert _loaded_after(code, tmp_path) == []


def test_a_crawl_loads_no_nlp(tmp_path: Path) -> None:
    """A real crawl of the demo web's news source, in the interpreter that then reports."""
    code = f"""
    from pathlib import Path
    from crawlers.config import CrawlerSettings
    from crawlers.profiles import DEMO_PROFILES, load_profiles, select_profiles
    from crawlers.runner import run_crawl
    from track4tip.demo_site import DemoSite

    settings = CrawlerSettings(data_dir=Path({str(tmp_path / "crawl")!r}), download_delay=0.0)
    profiles = select_profiles(load_profiles(DEMO_PROFILES), ["noticias"])
    with DemoSite() as site:
        report = run_crawl(profiles, settings, base_url=site.base_url)
    assert report.sources[0].documents > 0, report
    """
    assert _loaded_after(code, tmp_path, heavy=NLP) == []
