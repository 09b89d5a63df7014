"""Start the web app: ``python app.py`` (host and port from ASSISTANT_HOST / ASSISTANT_PORT)."""

from __future__ import annotations

import sys

from assistant.embeddings import set_offline_env


def main() -> None:
    """Load settings, warm the assistant up (building the index if missing), serve the UI."""
    set_offline_env()  # before gradio or the hub client are imported
    from assistant import Assistant, AssistantError, load_settings

    try:
        settings = load_settings()
        assistant = Assistant(settings)
        print("Loading the assistant (model and index)...", flush=True)
        assistant.warm_up(on_status=lambda message: print(message, flush=True))
    except AssistantError as exc:
        sys.exit(f"Error: {exc}")
    import uvicorn

    from assistant.api import create_app  # the UI at /, plus the HTTP API and the widget
    from assistant.api.middleware import configure_access_log

    configure_access_log()
    print(f"Starting the web app on http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(create_app(assistant, settings), host=settings.host, port=settings.port,
                access_log=False)


if __name__ == "__main__":
    main()
