"""Errors the core raises; every face turns them into its own message (never a traceback)."""


class AssistantError(Exception):
    """Base class: a problem the person or operator can act on; its message is shown as is."""


class InvalidQuestionError(AssistantError):
    """The question is empty, too long or not text (seen by the person asking)."""


class QuestionTooLongError(InvalidQuestionError):
    """The question is longer than the assistant answers (it is still screened for emergencies)."""


class CorpusError(AssistantError):
    """A corpus file is missing, unreadable or malformed (seen by the operator)."""


class IndexError_(AssistantError):
    """The index cannot be built or opened (seen by the operator)."""


class IndexUnavailableError(IndexError_):
    """The index is unreachable, missing or being rebuilt right now; the next request tries
    again (the person sees the message, ``detail`` goes only to the operator's log)."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail if detail is not None else message


class FeedbackUnavailableError(AssistantError):
    """The feedback store is unreachable, too slow or busy right now; the next call tries again
    (the person sees the message, ``detail`` goes only to the operator's log)."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail if detail is not None else message


class SettingsError(AssistantError):
    """A setting has an invalid value (seen by the operator at start-up)."""
