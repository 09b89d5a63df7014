"""``/widget.js`` (the embeddable chat widget) and ``/portal-example.html`` (a page using it)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

STATIC = Path(__file__).resolve().parent / "static"

# The example page runs under a strict policy: no inline script, no inline style, only this
# origin. The widget must work there (portals often have a CSP like this).
EXAMPLE_CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
               "img-src 'self' data:; base-uri 'none'; form-action 'none'; "
               "frame-ancestors 'none'")

router = APIRouter(tags=["widget"])


@lru_cache(maxsize=4)
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


@router.get("/widget.js", response_class=Response,
            responses={200: {"content": {"text/javascript": {}}}})
def widget_js() -> Response:
    """The chat widget: add `<script src=".../widget.js" data-title="..."></script>` to a page."""
    return Response(_read("widget.js"), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300",
                             "Cross-Origin-Resource-Policy": "cross-origin",
                             "X-Content-Type-Options": "nosniff"})


@router.get("/portal-example.html", response_class=Response,
            responses={200: {"content": {"text/html": {}}}})
def portal_example() -> Response:
    """An example support-portal page that embeds the widget."""
    return Response(_read("portal-example.html"), media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": EXAMPLE_CSP,
                             "X-Content-Type-Options": "nosniff"})


@router.get("/portal-example.css", include_in_schema=False)
def portal_example_css() -> Response:
    return Response(_read("portal-example.css"), media_type="text/css; charset=utf-8")
