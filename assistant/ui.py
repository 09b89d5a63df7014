"""The Gradio face: a chat that renders the core's Answer, a sources panel, feedback.

``build_ui(assistant, settings)`` returns the Blocks; ``app.py`` launches it, the portal mounts
it. Pass ``UI_ASSETS`` (css, theme, head) to ``launch`` or ``gr.mount_gradio_app``: Gradio 6
takes them there, not in ``Blocks``. The chat is also the ``/chat`` API endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.errors import AssistantError
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
.source-passage h3 { font-size: 1rem; margin: 0 0 0.4rem; color: #102a43; }
.source-passage p, .source-passage li { color: #1a1a1a; line-height: 1.5; }
.source-passage mark { background: #ffe58a; color: #000000; padding: 0 0.1em;
  border-bottom: 2px solid #8a6d00; }
.source-link a { color: #0b4f8a; text-decoration: underline; }
.sources-empty, .sources-intro { color: #333333; }
#feedback-status p { margin: 0; }
#chatbot blockquote { border-left: 4px solid #1f4e79; margin-left: 0; padding-left: 0.8rem; }
footer, footer button, footer a, footer span { color: #4b5563 !important; }
button:focus-visible, textarea:focus-visible, a:focus-visible, input:focus-visible {
  outline: 3px solid #1f4e79 !important; outline-offset: 2px; }
@media (max-width: 480px) {
  .emergency-banner { font-size: 1rem; }
  .example-row button { flex: 1 1 100%; }
}
"""
# Gradio 6's default fonts are served by the app itself (LocalFont), so the page stays offline.
THEME = gr.themes.Default(primary_hue="blue").set(
    # white on this blue is 8.7:1; on Gradio's default primary blue it is under 4.5:1

    button_primary_background_fill="#1f4e79", button_primary_background_fill_hover="#163a5c",
    button_primary_text_color="#ffffff", button_primary_text_color_hover="#ffffff",
)
HEAD = '<meta name="description" content="Questions about stage 4 breast cancer treatments, ' \
       'answered with quotes from the Canadian Cancer Society page.">'
UI_ASSETS: dict[str, Any] = {"css": CSS, "theme": THEME, "head": HEAD, "footer_links": ["api"]}


class ChatUI:
    """The event handlers, bound to one assistant and one feedback store."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.feedback = FeedbackStore(settings.feedback_db, settings.store_question_text)

    def respond(self, message: str | None, history: list[dict[str, str]] | None,
                answers: dict[int, dict[str, Any]] | None) -> Iterator[tuple[Any, ...]]:
        """Answer one message and stream it into the chat (the ``/chat`` endpoint)."""
        if message is None or not str(message).strip():
            yield tuple(gr.skip() for _ in range(8))  # empty input is ignored
            return
        history = list(history or [])
        shown = [*shown_messages(history),
                 {"role": "user", "content": user_message_markdown(str(message))}]
        skip = gr.skip()
        try:
            answer = self.assistant.ask(str(message), history=history)
        except AssistantError as exc:  # said in the chat, the question kept to shorten
            yield (shown + [{"role": "assistant", "content": answer_markdown(str(exc))}],
                   skip, skip, skip, skip, skip, skip, skip)
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
        parts = [text] if answer.kind == "emergency" else list(stream_prefixes(text))
        for n, part in enumerate(parts[:-1]):
            first = n == 0
            yield (shown + [{"role": "assistant", "content": part}], "" if first else skip,
                   banner if first else skip, area if first else skip, skip, skip, skip, skip)
            time.sleep(STREAM_DELAY_S)
        history += [{"role": "user", "content": str(message)},
                    {"role": "assistant", "content": answer.text}]
        answers = {**(answers or {}), index: answer.model_dump()}
        yield (shown + [{"role": "assistant", "content": parts[-1]}], "", banner, area, sources,
               history, answers, "")

    def rate(self, answers: dict[int, dict[str, Any]] | None, ratings: dict[str, int] | None,
             like: gr.LikeData) -> tuple[str, dict[str, int]]:
        """Store a thumbs up or down for one answer (switching thumbs updates the same row)."""
        ratings = dict(ratings or {})
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
        return _status("Thank you, your rating was saved. You can add a comment below."), ratings

    def comment(self, text: str | None, ratings: dict[str, int] | None) -> tuple[str, Any]:
        """Attach the optional comment to the last rated answer."""
        if not text or not text.strip():
            return _status("Please type a comment first."), gr.skip()
        row = (ratings or {}).get("last")
        if row is None or not self.feedback.set_comment(row, text):
            return _status("Please rate an answer with the thumbs up or thumbs down first, "
                           "then send your comment."), gr.skip()
        return _status("Thank you, your comment was saved."), ""


def _status(text: str) -> str:
    """A feedback message screen readers announce (our own fixed text, no user input)."""
    return f'<p role="status" class="feedback-status">{text}</p>'


def _cleared() -> tuple[Any, ...]:
    return [], "", gr.update(visible=False), SOURCES_PLACEHOLDER, [], {}, {}, "", ""


def _dismissed() -> tuple[Any, ...]:
    return "", gr.update(visible=False)


def build_ui(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The chat page for a (preferably warmed-up) ``assistant``, using ``settings``."""
    ui = ChatUI(assistant, settings)
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
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chatbot = gr.Chatbot(
                    label="Conversation", elem_id="chatbot", height=460, min_height=260,
                    placeholder="Ask a question about treatments for stage 4 breast cancer.",
                    sanitize_html=True, allow_tags=False, render_markdown=True,
                    feedback_options=("Like", "Dislike"), buttons=["copy"],
                    group_consecutive_messages=False)
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        label="Your question", elem_id="question", lines=1, max_lines=6,
                        placeholder="Type a question, then Enter", scale=5,
                        autofocus=True, html_attributes=gr.InputHTMLAttributes(
                            enterkeyhint="send", autocomplete="off", lang="en"))
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80,
                                    elem_id="ask")
                gr.Markdown("**Example questions** (select one to ask it):")
                with gr.Row(elem_classes=["example-row"]):
                    example_buttons = [gr.Button(q, size="sm", variant="secondary")
                                       for q in EXAMPLES]
                clear = gr.Button("Clear chat", variant="secondary", elem_id="clear-chat")
            with gr.Column(scale=2, min_width=300):
                with gr.Accordion("Sources: quoted passages in context", open=False,
                                  elem_id="sources-accordion"):
                    sources = gr.HTML(SOURCES_PLACEHOLDER, label="Sources", elem_id="sources")
                gr.Markdown("**Was an answer helpful?** Use the thumbs up or down under "
                            "the answer, then add a comment if you like. "
                            "We do not store who you are.")
                comment = gr.Textbox(label="Comment on the answer you rated (optional)",
                                     elem_id="feedback-comment", lines=2, max_lines=6)
                send_comment = gr.Button("Send comment", elem_id="send-comment")
                status = gr.HTML("", label="Feedback status", elem_id="feedback-status")

        chat_outputs = [chatbot, question, banner, emergency_area, sources, history, answers,
                        status]
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
        chatbot.like(ui.rate, [answers, ratings], [status, ratings], api_visibility="private")
        gr.on([send_comment.click, comment.submit], ui.comment, [comment, ratings],
              [status, comment], api_visibility="private")
        # the Clear button and the chat's own trash icon both start a new conversation
        gr.on([clear.click, chatbot.clear], _cleared, None,
              [chatbot, banner, emergency_area, sources, history, answers, ratings, status,
               question], api_visibility="private", queue=False)
        dismiss.click(_dismissed, None, [banner, emergency_area], api_visibility="private",
                      queue=False)
    return demo
