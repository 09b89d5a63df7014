"""The Gradio face: a chat that renders the core's Answer, a sources panel, feedback.

``build_ui(assistant, settings)`` returns the Blocks; ``app.py`` launches it, the portal mounts
it. Pass ``UI_ASSETS`` (css, theme, head) to ``launch`` or ``gr.mount_gradio_app``: Gradio 6
takes them there, not in ``Blocks``. The chat is also the ``/chat`` API endpoint.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.errors import AssistantError, FeedbackUnavailableError
from assistant.feedback import FeedbackStore
from assistant.models import Answer
from assistant.settings import Settings
from assistant.ui_render import (
    SOURCES_PLACEHOLDER,
    answer_markdown,
    emergency_banner,
    shown_messages,
    sources_html,
    stream_prefixes,
    user_message_markdown,
)

if TYPE_CHECKING:
    from assistant.chain import Assistant

TITLE = "Stage 4 breast cancer treatments: questions and answers"
NOTICE = (
    "**Information from the Canadian Cancer Society page "
    "“Treatments for stage 4 breast cancer”, not medical advice.** "
    "Answers quote the page word for word. Talk to your healthcare team about your own care. "
    "In an emergency, call 911."
)
EXAMPLES = [
    "What is Herceptin used for?",
    "What hormonal therapy is given after menopause?",
    "Which chemotherapy drugs are used for stage 4 breast cancer?",
    "What can I do if I don't want cancer treatment?",
]
STREAM_DELAY_S = 0.02  # between streamed chunks: enough to read as streaming, never slow

CSS = """
#notice { background: #eef4fb; border-left: 4px solid #1f4e79; padding: 0.6rem 0.9rem;
  border-radius: 4px; }
#notice p, #notice strong { margin: 0; color: #102a43; }
#emergency-area { position: fixed; top: 0; left: 0; right: 0; z-index: 1000; gap: 0.4rem;
  background: #ffffff; padding: 0.4rem 0.6rem; max-height: 60vh; overflow-y: auto;
  box-shadow: 0 4px 12px rgba(0, 0, 0, 0.35); }
#dismiss-emergency { align-self: flex-start; min-height: 44px; }
.emergency-banner { display: flex; gap: 0.75rem; align-items: flex-start; background: #8b0000;
  color: #ffffff; border: 3px solid #4a0000; border-radius: 6px; padding: 0.9rem 1rem;
  font-size: 1.1rem; margin-bottom: 0.5rem; }
.emergency-banner strong, .emergency-banner p { color: #ffffff; margin: 0; }
.emergency-banner p { margin-top: 0.3rem; font-size: 1rem; }
.emergency-icon { font-size: 1.6rem; line-height: 1; color: #ffffff; }
.sources { color: #1a1a1a; }
.source-passage { border: 1px solid #c9ced6; border-radius: 6px; padding: 0.6rem 0.8rem;
  margin: 0.6rem 0; background: #ffffff; }
.source-passage h2 { font-size: 1rem; margin: 0 0 0.4rem; color: #102a43; }
.source-passage p, .source-passage li { color: #1a1a1a; line-height: 1.5; }
.source-passage mark { background: #ffe58a; color: #000000; padding: 0 0.1em;
  border-bottom: 2px solid #8a6d00; }
.source-link a { color: #0b4f8a; text-decoration: underline; }
.sources-empty, .sources-intro { color: #333333; }
#feedback-status p { margin: 0; }
#chatbot blockquote { border-left: 4px solid #1f4e79; margin-left: 0; padding-left: 0.8rem; }
/* the chat's own trash icon would clear the conversation without asking: "Clear chat" asks */
#chatbot .top-panel { display: none !important; }
/* thumbs: 44 px targets (WCAG 2.5.5), under the answer they rate */
#chatbot .message-buttons button { min-width: 44px; min-height: 44px; }
#chatbot .message-buttons .icon-button-wrapper { gap: 4px; }
.place-link { font-size: 0.95rem; }
footer, footer button, footer a, footer span { color: #4b5563 !important; }
button:focus-visible, textarea:focus-visible, a:focus-visible, input:focus-visible {
  outline: 3px solid #1f4e79 !important; outline-offset: 2px !important; }
/* Gradio draws a white ring on primary buttons: invisible on a white page */
button.primary:focus-visible, #ask:focus-visible { outline: 3px solid #1f4e79 !important;
  outline-offset: 3px !important; box-shadow: 0 0 0 3px #ffffff, 0 0 0 6px #1f4e79 !important; }
#ask { transition: none !important; } /* the ring appears at once, not faded in from white */
#answer-meta { display: none !important; }
@media (max-width: 480px) {
  .emergency-banner { font-size: 1rem; }
  .example-row button { flex: 1 1 100%; }
}
"""
# Gradio 6 serves its default font itself (LocalFont), so the page stays offline. Its
# SourceSansPro-SemiBold.woff2 (weight 600, the default theme's bold) is a 5 kB stub holding
# only "A" and "B": every other bold letter fell back to another face. Serve the full Bold file.
FONT: list[gr.themes.Font | str] = [
    gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui",
    "sans-serif"]
MONO_FONT: list[gr.themes.Font | str] = [
    gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "ui-monospace", "Consolas",
    "monospace"]
THEME = gr.themes.Default(primary_hue="blue", font=FONT, font_mono=MONO_FONT).set(
    # white on this blue is 8.7:1; on Gradio's default primary blue it is under 4.5:1
    button_primary_background_fill="#1f4e79", button_primary_background_fill_hover="#163a5c",
    button_primary_text_color="#ffffff", button_primary_text_color_hover="#ffffff",
)
SCRIPT_PATH = Path(__file__).parent / "api" / "static" / "chat-page.js"
HEAD = ('<meta name="description" content="Questions about stage 4 breast cancer treatments, '
        'answered with quotes from the Canadian Cancer Society page.">')
# footer_links=[]: no "Use via API" / "Built with Gradio" footer on the patient page (Gradio 6
# renamed show_api; the API stays documented at /docs and /gradio_api/info).
UI_ASSETS: dict[str, Any] = {"css": CSS, "theme": THEME, "footer_links": []}


def _head() -> str:
    """The page's head: the description and the script that places new answers (read once)."""
    return f"{HEAD}\n<script>\n{SCRIPT_PATH.read_text(encoding='utf-8')}\n</script>"


UI_ASSETS["head"] = _head()


class ChatUI:
    """The event handlers, bound to one assistant and one feedback store."""

    def __init__(self, assistant: Assistant, settings: Settings,
                 feedback: FeedbackStore | None = None) -> None:
        self.assistant = assistant
        self.settings = settings
        self.feedback = feedback if feedback is not None else FeedbackStore(
            settings.feedback_db, settings.store_question_text, settings.feedback_timeout_s)

    def respond(self, message: str | None, history: list[dict[str, str]] | None,
                answers: dict[int, dict[str, Any]] | None) -> Iterator[tuple[Any, ...]]:
        """Answer one message and stream it into the chat (the ``/chat`` endpoint)."""
        if message is None or not str(message).strip():
            yield tuple(gr.skip() for _ in range(10))  # empty input is ignored
            return
        history = list(history or [])
        shown = [*shown_messages(history),
                 {"role": "user", "content": user_message_markdown(str(message))}]
        skip = gr.skip()
        try:
            answer = self.assistant.ask(str(message), history=history)
        except AssistantError as exc:  # said in the chat, the question kept to shorten
            yield (shown + [{"role": "assistant", "content": answer_markdown(str(exc))}],
                   skip, skip, skip, skip, skip, skip, skip, skip, skip)
            return
        index = len(shown)  # where the assistant's message goes: the key for its feedback
        text = answer_markdown(answer.text)
        # the urgent message stays in view (sticky, above the chat) until it is dismissed
        if answer.kind == "emergency":
            banner: Any = emergency_banner(answer)
            area: Any = gr.update(visible=True)
        else:
            banner = area = skip
        sources = sources_html(answer, self.assistant.documents)
        # the sources open under the question box, near the answer, when it quotes the page
        opened: Any = gr.update(open=True) if answer.quotes else skip
        answers = {**(answers or {}), index: answer.model_dump()}
        meta = answer_meta(shown + [{"role": "assistant"}], answers)
        parts = [text] if answer.kind == "emergency" else list(stream_prefixes(text))
        for n, part in enumerate(parts[:-1]):
            first = n == 0
            yield (shown + [{"role": "assistant", "content": part}], "" if first else skip,
                   banner if first else skip, area if first else skip, skip, skip, skip, skip,
                   meta if first else skip, skip)
            time.sleep(STREAM_DELAY_S)
        history += [{"role": "user", "content": str(message)},
                    {"role": "assistant", "content": answer.text}]
        yield (shown + [{"role": "assistant", "content": parts[-1]}], "", banner, area, sources,
               history, answers, "", meta, opened)

    def rate(self, answers: dict[int, dict[str, Any]] | None, ratings: dict[str, int] | None,
             like: gr.LikeData) -> tuple[str, dict[str, int]]:
        """Store a thumbs up or down for one answer (switching thumbs updates the same row)."""
        try:
            return self._rate(answers, dict(ratings or {}), like)
        except FeedbackUnavailableError as exc:
            return _status(html.escape(str(exc))), dict(ratings or {})

    def _rate(self, answers: dict[int, dict[str, Any]] | None, ratings: dict[str, int],
              like: gr.LikeData) -> tuple[str, dict[str, int]]:
        index = like.index if isinstance(like.index, int) else like.index[0]
        stored = (answers or {}).get(index)
        if stored is None:
            return _status("Only the assistant's answers can be rated."), ratings
        previous = ratings.get(str(index))
        if like.liked is not True and like.liked is not False:  # "" = the thumb taken back
            if previous is not None:
                self.feedback.delete(previous)
                ratings.pop(str(index))
                if ratings.get("last") == previous:
                    ratings.pop("last")
            return _status("Your rating was removed."), ratings
        rating = 1 if like.liked else -1
        if previous is None or not self.feedback.set_rating(previous, rating):
            previous = self.feedback.record(rating, Answer.model_validate(stored))
        ratings[str(index)] = ratings["last"] = previous
        return _status("Thank you, your rating was saved. You can add a comment below "
                       "(we do not store who you are)."), ratings

    def comment(self, text: str | None, ratings: dict[str, int] | None) -> tuple[str, Any]:
        """Attach the optional comment to the last rated answer."""
        if not text or not text.strip():
            return _status("Please type a comment first."), gr.skip()
        row = (ratings or {}).get("last")
        try:
            saved = row is not None and self.feedback.set_comment(row, text)
        except FeedbackUnavailableError as exc:
            return _status(html.escape(str(exc))), gr.skip()
        if not saved:
            return _status("Please rate an answer with the thumbs up or thumbs down first, "
                           "then send your comment."), gr.skip()
        return _status("Thank you, your comment was saved."), ""


def answer_meta(shown: list[dict[str, Any]], answers: dict[int, dict[str, Any]]) -> str:
    """The language and id of each assistant message, in order, for the page script's lang
    and data-answer-id attributes (quotes stay English; the framing is in the person's
    language; "-" for a message that is no answer)."""
    stored = [answers.get(i, {}) for i, message in enumerate(shown)
              if message.get("role") == "assistant"]
    langs = " ".join(str(a.get("language") or "en") for a in stored)
    ids = " ".join(str(a.get("id") or "-") for a in stored)
    return (f'<span data-langs="{html.escape(langs, quote=True)}" '
            f'data-answer-ids="{html.escape(ids, quote=True)}"></span>')


def _status(text: str) -> str:
    """A feedback message screen readers announce (our own fixed text, no user input)."""
    return f'<p role="status" class="feedback-status">{text}</p>'


def _cleared() -> tuple[Any, ...]:
    return ([], "", gr.update(visible=False), SOURCES_PLACEHOLDER, [], {}, {}, "", "",
            answer_meta([], {}), gr.update(visible=False), gr.update(visible=False))


def _dismissed() -> tuple[Any, ...]:
    return "", gr.update(visible=False)


def build_ui(assistant: Assistant, settings: Settings,
             feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The chat page for a (preferably warmed-up) ``assistant``, using ``settings``; ratings go
    to ``feedback`` (the API's store when mounted in the web app; one from ``settings``
    otherwise)."""
    ui = ChatUI(assistant, settings, feedback)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"# {TITLE}")
        gr.Markdown(NOTICE, elem_id="notice")
        with gr.Column(visible=False, elem_id="emergency-area") as emergency_area:
            banner = gr.HTML("", label="Emergency", elem_id="emergency-banner")
            dismiss = gr.Button("I have read this: dismiss", variant="secondary", size="sm",
                                elem_id="dismiss-emergency")
        history = gr.State([])
        answers = gr.State({})
        ratings = gr.State({})
        meta = gr.HTML(answer_meta([], {}), elem_id="answer-meta", label="Answer languages")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                # no floating label over the first line; the log is named "chatbot conversation"
                chatbot = gr.Chatbot(
                    label="Conversation", show_label=False, elem_id="chatbot", height=460,
                    min_height=260, autoscroll=False, latex_delimiters=[],
                    placeholder="Ask a question about treatments for stage 4 breast cancer.",
                    sanitize_html=True, allow_tags=False, render_markdown=True,
                    feedback_options=("Like", "Dislike"), buttons=["copy"],
                    group_consecutive_messages=False)
                # right after the thumbs (in view and in the Tab order) once an answer is rated
                with gr.Group(visible=False, elem_id="feedback") as feedback_box:
                    status = gr.HTML("", label="Feedback status", elem_id="feedback-status")
                    with gr.Row(equal_height=True):
                        comment = gr.Textbox(
                            label="Comment on the answer you rated (optional)",
                            elem_id="feedback-comment",
                            lines=1, max_lines=6, scale=4)
                        send_comment = gr.Button("Send comment", elem_id="send-comment",
                                                 scale=1, min_width=120)
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        label="Your question", elem_id="question", lines=1, max_lines=6,
                        placeholder="Type a question, then Enter", scale=5,
                        autofocus=True, html_attributes=gr.InputHTMLAttributes(
                            enterkeyhint="send", autocomplete="off", lang="en"))
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80,
                                    elem_id="ask")
                with gr.Accordion("Sources: each quote in its place in the page", open=False,
                                  elem_id="sources-accordion") as sources_box:
                    sources = gr.HTML(SOURCES_PLACEHOLDER, label="Sources", elem_id="sources")
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("**Example questions** (select one to ask it):")
                with gr.Row(elem_classes=["example-row"]):
                    example_buttons = [gr.Button(q, size="sm", variant="secondary")
                                       for q in EXAMPLES]
                gr.Markdown("Rate an answer with the thumbs under it; a comment box then "
                            "appears. We do not store who you are.")
                clear = gr.Button("Clear chat", variant="secondary", elem_id="clear-chat")
                with gr.Group(visible=False, elem_id="confirm-clear") as confirm:
                    gr.Markdown("Clear the whole conversation? It cannot be brought back.")
                    with gr.Row():
                        clear_yes = gr.Button("Yes, clear it", variant="stop",
                                              elem_id="clear-yes")
                        clear_no = gr.Button("No, keep it", variant="secondary",
                                             elem_id="clear-no")

        chat_outputs = [chatbot, question, banner, emergency_area, sources, history, answers,
                        status, meta, sources_box]
        # one queue for both ways of asking, a few conversations answered at a time
        chat_queue = {"concurrency_id": "chat", "concurrency_limit": 4,
                      "show_progress": "minimal", "show_progress_on": [chatbot]}
        gr.on([question.submit, ask.click], ui.respond, [question, history, answers], chat_outputs,
              api_name="chat", **chat_queue)
        for button, text in zip(example_buttons, EXAMPLES, strict=True):
            button.click(lambda t=text: t, None, question, api_visibility="private",
                         queue=False).then(
                ui.respond, [question, history, answers], chat_outputs,
                api_visibility="private", **chat_queue)
        chatbot.like(ui.rate, [answers, ratings], [status, ratings], api_visibility="private",
                     queue=False).then(lambda: gr.update(visible=True), None, feedback_box,
                                       api_visibility="private", queue=False)
        gr.on([send_comment.click, comment.submit], ui.comment, [comment, ratings],
              [status, comment], api_visibility="private")
        # "Clear chat" asks first (the chat's own trash icon, which does not ask, is hidden)
        clear.click(lambda: gr.update(visible=True), None, confirm, api_visibility="private",
                    queue=False)
        clear_no.click(lambda: gr.update(visible=False), None, confirm,
                       api_visibility="private", queue=False)
        clear_yes.click(_cleared, None,
                        [chatbot, banner, emergency_area, sources, history, answers, ratings,
                         status, question, meta, confirm, feedback_box],
                        api_visibility="private", queue=False)
        dismiss.click(_dismissed, None, [banner, emergency_area], api_visibility="private",
                      queue=False)
    return demo
