"""Process-wide secret redaction for exception text and log records.

Every secret the plugin handles (API keys, scoped JWTs) is registered here when it is wrapped
(`settings.ApiKey`), and every string that leaves the plugin as an error message or a log line is
passed through `redact`. Independently of the registry, `Bearer <token>`, `jwt:<token>` and URL
userinfo are masked, so a secret that was never registered still does not leak through a header dump.

Logging: a filter attached to a logger only sees records logged *on that logger*, not records that
propagate up from its children. So every plugin module obtains its logger through `get_logger`,
which attaches `RedactingFilter` to that very logger; the record is rewritten in place before any
handler (ours, the host's, pytest's caplog on the root) sees it. The package logger
`openclaw_deepinfra` and the `httpx` logger (which logs request URLs) get the filter when this
module is imported (the error tree and every plugin logger import it; no I/O).
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
# A secret this long or longer is masked wherever it occurs. A shorter one (a mistyped or test key)
# is still a secret, but masking it as a bare substring would shred unrelated text (a 3-letter
# key inside every word), so it is masked only as a whole token: not inside a longer run of
# key-like characters.
MIN_SECRET_LENGTH = 8
_TOKEN_CHARS = r"A-Za-z0-9_\-"  # noqa: S105 - a character class, not a secret

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=:\-]{8,}"), rf"\1\2{MASK}"),
    (re.compile(r"\bjwt:[A-Za-z0-9_\-.=+/]+"), f"jwt:{MASK}"),
    (re.compile(r"(?i)\b(jwtoken=)[^\s&'\"]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@'\"]+@"), rf"\1{MASK}@"),
)

_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()
_secret_re: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Remember `value` (and its stripped form) so `redact` masks it from now on."""
    global _secrets, _secret_re
    candidates = {v for v in (value, value.strip()) if v.strip()}
    if not candidates or candidates <= _secrets:
        return
    with _lock:
        merged = _secrets | candidates
        # Longest first so a secret that contains another one is masked as a whole.
        ordered = sorted(merged, key=len, reverse=True)
        _secret_re = re.compile("|".join(_secret_pattern(s) for s in ordered))
        _secrets = frozenset(merged)


def _secret_pattern(secret: str) -> str:
    escaped = re.escape(secret)
    if len(secret) >= MIN_SECRET_LENGTH:
        return escaped
    return f"(?<![{_TOKEN_CHARS}]){escaped}(?![{_TOKEN_CHARS}])"


def redact(text: str) -> str:
    """`text` with registered secrets, bearer tokens, `jwt:` tokens and URL userinfo masked."""
    if not text:
        return text
    pattern = _secret_re
    if pattern is not None:
        text = pattern.sub(MASK, text)
    for regex, replacement in _PATTERNS:
        text = regex.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, arguments and exception text through `redact`; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string must not hide the record, nor leak its args
            message = f"{record.msg!s} (unformattable log arguments)"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """The logger every plugin module uses: `logging.getLogger(name)` with the shared
    `RedactingFilter` attached (once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(_FILTER)
    return logger


get_logger("openclaw_deepinfra")
get_logger("httpx")  # logs every request URL at INFO
