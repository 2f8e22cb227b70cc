"""The plugin's error tree. Every error DeepInfra work can raise is one of these.

    DeepInfraError                          exit 1; status, request_id, body_excerpt, hint
    ├── ConfigurationError                  exit 2
    │   ├── MissingApiKeyError              no key in config, auth profile or environment
    │   └── InvalidBaseUrlError             not https (nor loopback http), /v1/inference, ...
    ├── RequestValidationError              exit 2; rejected locally before any request
    ├── APIStatusError                      non-2xx answer; + error_type, param, code
    │   ├── AuthenticationError             401 / 403
    │   ├── InsufficientBalanceError        402
    │   ├── NotFoundError                   404 (wrong base path, unknown model)
    │   ├── UnsupportedCapabilityError      405 (tools / JSON mode not supported by the model)
    │   ├── InvalidRequestError             400 / 422
    │   │   └── ContextLengthExceededError  400 about the context window
    │   ├── RateLimitError                  429 "Rate limited"
    │   │   └── ModelBusyError              429 "Model busy, retry later"
    │   └── ServerError                     5xx
    ├── APIConnectionError                  no usable answer: connect / protocol failure
    │   └── APITimeoutError                 connect / read / write / pool timeout
    │       └── DeadlineExceededError       the call's overall deadline ran out (says on what)
    ├── MalformedResponseError              2xx whose body is not what the API promises
    ├── GenerationFailedError               2xx, but the job / inference reports it failed
    └── StreamError                         error frame in the middle of an SSE stream

All text is redacted (`openclaw_deepinfra.redact`) before it is stored, so no registered secret can
appear in `str()`, `repr()` or any attribute. `str()` is one line:
``message (HTTP n) [request_id=...] Hint: ...``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from openclaw_deepinfra.redact import redact

MAX_EXCERPT_CHARS = 500
_MAX_MESSAGE_CHARS = 1000
_WS = re.compile(r"\s+")


def excerpt(text: str | bytes | None, limit: int = MAX_EXCERPT_CHARS) -> str | None:
    """Redacted, whitespace-collapsed text cut to `limit` characters (with an ellipsis); None if empty."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    # Redact before cutting: a cut could leave a secret's prefix the registry no longer matches.
    clean = _WS.sub(" ", redact(text)).strip()
    if not clean:
        return None
    if len(clean) > limit:
        clean = clean[: max(limit - 1, 0)].rstrip() + "…"
    return clean


def _restore(cls: type[DeepInfraError], state: dict[str, Any]) -> DeepInfraError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    err.args = (state.get("message", ""),)
    return err


class DeepInfraError(Exception):
    """Base of the tree; extras are keyword-only and redacted on the way in. `error_type`, `param`
    and `code` are set by `APIStatusError` and `StreamError` (from the body or frame)."""

    exit_code: ClassVar[int] = 1

    message: str
    status: int | None
    request_id: str | None
    body_excerpt: str | None
    hint: str | None
    error_type: str | None
    param: str | None
    code: str | None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        body_excerpt: str | None = None,
        hint: str | None = None,
        error_type: str | None = None,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        self.message = excerpt(message, _MAX_MESSAGE_CHARS) or type(self).__name__
        self.status = status
        self.request_id = excerpt(request_id, 200)
        self.body_excerpt = excerpt(body_excerpt)
        self.hint = excerpt(hint, _MAX_MESSAGE_CHARS)
        # The API's own classification (OpenAI-style error body or SSE error frame); None elsewhere.
        self.error_type = excerpt(error_type, 200)
        self.param = excerpt(param, 200)
        self.code = excerpt(code, 200)
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f" (HTTP {self.status})")
        if self.request_id:
            parts.append(f" [request_id={self.request_id}]")
        if self.hint:
            parts.append(f" Hint: {self.hint}")
        return "".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not survive the default Exception pickling.
        return (_restore, (type(self), dict(self.__dict__)))


class ConfigurationError(DeepInfraError):
    exit_code: ClassVar[int] = 2


class MissingApiKeyError(ConfigurationError):
    pass


class InvalidBaseUrlError(ConfigurationError):
    pass


class RequestValidationError(DeepInfraError):
    exit_code: ClassVar[int] = 2


class APIStatusError(DeepInfraError):
    """A non-2xx answer. `error_type`, `param` and `code` come from an OpenAI-style error body."""

    status: int


class AuthenticationError(APIStatusError):
    pass


class InsufficientBalanceError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class UnsupportedCapabilityError(APIStatusError):
    pass


class InvalidRequestError(APIStatusError):
    pass


class ContextLengthExceededError(InvalidRequestError):
    pass


class RateLimitError(APIStatusError):
    pass


class ModelBusyError(RateLimitError):
    pass


class ServerError(APIStatusError):
    pass


class APIConnectionError(DeepInfraError):
    pass


class APITimeoutError(APIConnectionError):
    pass


class DeadlineExceededError(APITimeoutError):
    """The call's one overall deadline ran out across queueing, attempts, backoff and polls.

    `elapsed_s`, `attempts` and `slot_wait_s` say where the time went; the message says it too.
    """

    def __init__(
        self,
        message: str,
        *,
        elapsed_s: float = 0.0,
        budget_s: float | None = None,
        attempts: int = 0,
        slot_wait_s: float = 0.0,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.elapsed_s = elapsed_s
        self.budget_s = budget_s
        self.attempts = attempts
        self.slot_wait_s = slot_wait_s


class MalformedResponseError(DeepInfraError):
    pass


class GenerationFailedError(DeepInfraError):
    """The API accepted the work (2xx) and later reported that it failed: a failed video job or a
    native `inference_status.status == "failed"`. Not retried: a new attempt is a new billed job."""


class StreamError(DeepInfraError):
    """An error frame inside an SSE stream; `error_type` is the frame's own classification."""
