"""Shared fixtures: the network blocked (loopback allowed), settings isolated in tmp dirs, one
real Assistant (real MiniLM, real Chroma) per session."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.embeddings import set_offline_env

set_offline_env()
PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT / "corpus"
# one ONNX export of the model for every test (by default it follows each test's index folder)
MODEL_CACHE = PROJECT / "index" / "model"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: object) -> bool:
    if isinstance(address, str):  # unix socket path
        return True
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return False


def _guarded_connect(self: socket.socket, address: object) -> object:
    if not _is_local(address):
        raise RuntimeError(f"Network access blocked in tests: {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_local(address):
        raise RuntimeError(f"Network access blocked in tests: {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def block_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any connection that leaves this machine; loopback servers stay reachable."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


@pytest.fixture(scope="session")
def session_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def settings(session_index_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """Settings on the real corpus with the index and feedback store in temporary folders."""
    from assistant.settings import load_settings

    feedback = tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"
    return load_settings(corpus_dir=CORPUS, index_dir=session_index_dir, feedback_db=feedback,
                         model_cache_dir=MODEL_CACHE)


@pytest.fixture(scope="session")
def assistant(settings):  # noqa: ANN001, ANN201
    """One warmed-up real Assistant for the whole session (real MiniLM, real Chroma)."""
    from assistant import Assistant

    bot = Assistant(settings)
    bot.warm_up()
    return bot


@pytest.fixture(autouse=True)
def _no_user_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE_DIR", str(MODEL_CACHE))
