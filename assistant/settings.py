"""All settings in one place, read from the environment (prefix ``ASSISTANT_``) by a function."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Operator settings. Every field is ``ASSISTANT_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="folder of .md/.txt pages")
    index_dir: Path = Field(PROJECT_ROOT / "index", description="Chroma persistent directory")
    embedding_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto", description="onnx: onnxruntime on an export of the packaged model (fast start); "
        "torch: sentence-transformers; auto: onnx, made on first use, else torch")
    embedding_threads: int = Field(
        1, ge=0, description="threads one ONNX embedding call may use: 1 suits a server, whose "
        "concurrent requests already share the cores (measured on 2 cores: about 57 answers/s "
        "at 16 clients, against 43-53 with a thread per core); 0: onnxruntime's default, a "
        "thread per core, a few ms faster for one question at a time")
    model_cache_dir: Path | None = Field(None, description="where the ONNX export of the model "
                                         "is kept (unset: the model/ folder of index_dir)")
    chroma_url: str | None = Field(None, description="use a Chroma server, e.g. http://host:8000")
    chroma_timeout_s: float = Field(5.0, gt=0, description="seconds before a call to the Chroma "
                                    "server is abandoned (the request then gets a 503)")
    chroma_max_calls: int = Field(8, ge=1, description="calls to Chroma in flight at once, per "
                                  "process (a bulkhead: a frozen server holds no more)")
    chroma_wait_s: float = Field(1.0, ge=0, description="longest a request waits for one of "
                                 "those slots before it gets a 503")
    collection_prefix: str = Field("stage4", description="prefix of the Chroma collections")
    max_question_chars: int = Field(2000, ge=1, description="longest question accepted")
    max_quotes: int = Field(3, ge=1, le=8, description="most quotes in one answer")
    llm: str | None = Field(None, description="init_chat_model string; unset = extractive only")
    llm_timeout_s: float = Field(20.0, gt=0, description="seconds before the LLM is abandoned")
    feedback_db: Path | str = Field(
        PROJECT_ROOT / "feedback.sqlite3", description="where feedback is kept: a SQLite file "
        "path, or a database URL such as postgresql+psycopg://user:password@host:5432/db")
    feedback_timeout_s: float = Field(5.0, gt=0, description="seconds before a call to the "
                                      "feedback store is abandoned (the request gets a 503)")
    store_question_text: bool = Field(False, description="keep question text in feedback/logs")
    host: str = Field("127.0.0.1", description="web app host")
    port: int = Field(7860, ge=1, le=65535, description="web app port")
    api_keys: str | None = Field(None, description="comma-separated bearer keys for the API")
    cors_origins: str = Field("", description="comma-separated origins allowed by CORS")
    rate_limit: str = Field("30/minute", description="per key (or per IP) limit, slowapi syntax")
    max_body_bytes: int = Field(64_000, ge=1024, description="largest request body accepted")
    # -- HTTP API (assistant/api) --
    rate_limit_storage: str = Field("memory://", description="slowapi/limits storage URI; "
                                    "memory:// counts per process, redis://host:port shares "
                                    "the counts between workers")
    allow_keyless_remote: bool = Field(False, description="with no api_keys set, also answer "
                                       "API calls from other machines (default: loopback only)")
    auth_failure_limit: str = Field("10/minute", description="wrong API keys allowed per "
                                    "client address (slowapi syntax); past it: 429")
    ui_public: bool = Field(False, description="with api_keys set, also serve the chat UI (and "
                            "its /gradio_api) to callers on other machines without a key "
                            "(default: only this machine, or a caller with a key)")
    frame_ancestors: str = Field("'self'", description="who may show the chat UI in a frame "
                                 "(CSP frame-ancestors): 'self', 'none', or origins such as "
                                 "https://portal.example.org")
    serve_ui: bool = Field(True, description="mount the Gradio UI at / (false: only the API, "
                           "the widget and the health checks, e.g. behind a portal)")

    @field_validator("feedback_db", mode="before")
    @classmethod
    def _path_or_url(cls, value: object) -> Path | str:
        """A URL stays a string (checked: SQLite or PostgreSQL); anything else is a path."""
        if isinstance(value, str) and "://" in value:
            from assistant.feedback_db import database_url  # SQLAlchemy only when needed

            database_url(value)  # ValueError names what is wrong
            return value
        return Path(str(value))


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; ``overrides`` win. Raises SettingsError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"ASSISTANT_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise SettingsError(f"Invalid settings: {problems}") from None
