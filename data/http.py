"""The one HTTP session of the data package: retries, backoff, rate limits and timeouts.

Modelled on pandas-datareader's ``_BaseReader``: the session owns every
network concern (timeouts, bounded retries with exponential backoff, honouring
``Retry-After`` on HTTP 429, an optional requests-per-second limit, per-request
headers, redaction of secrets), and a provider module only says what is
special about its endpoint. Both the transport (anything with
``get(url, params=..., timeout=...[, headers=...])`` returning an object with
``status_code``, ``headers`` and ``text``, such as :class:`requests.Session`)
and the ``sleep`` function are injectable, so tests run offline and never
actually wait.

Retried: HTTP 429 and 5xx, timeouts, connection errors and truncated bodies
(``ChunkedEncodingError``, ``ContentDecodingError``). Not retried:
other 4xx (a wrong URL or series id will not fix itself).

:func:`call_with_retries` is the one retry loop of the project: the session
uses it for HTTP, and :mod:`data.yahoo` uses it around ``yf.download``.

Secrets
-------
API keys travel as query parameters (``api_key``) and contact addresses as
headers (``User-Agent``). Transports echo URLs in their exception texts
(``...Max retries exceeded with url: /x?api_key=...``), so every message this
module logs or raises goes through :func:`redact` first: the values of the
query parameters in :data:`SECRET_PARAMS` and of every per-request header are
replaced by ``***``, and so is any ``api_key=...`` left in a URL. A failure of
the transport that is not retried is re-raised as :class:`HttpError` with the
redacted text and without the original exception attached.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, quote_plus

from data.base import DataError

__all__ = [
    "SECRET_PARAMS",
    "HttpError",
    "HttpSession",
    "RateLimiter",
    "RetryPolicy",
    "TransientError",
    "call_with_retries",
    "redact",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Query parameters whose values are secrets (never logged, never raised).
SECRET_PARAMS: frozenset[str] = frozenset({"api_key", "apikey", "token", "access_token"})

_SECRET_IN_URL = re.compile(r"(?i)\b(api_key|apikey|token|access_token)=[^&\s'\"]+")
#: Longest response body kept on an :class:`HttpError` (for the adapter's message).
_BODY_KEPT = 2000


class Response(Protocol):
    # Read-only members, so that ``requests.Response`` (whose ``headers`` is a
    # CaseInsensitiveDict) satisfies the protocol.
    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...


class Transport(Protocol):
    """``requests.Session``-like; ``headers=`` is only passed when a request has some."""

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = ...,
        *,
        timeout: float = ...,
        **kwargs: Any,
    ) -> Response: ...


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret (raw or URL-encoded) and any ``api_key=...`` replaced.

    Parameters
    ----------
    text : str
    secrets : iterable of str
        Values to hide; values shorter than 4 characters are ignored (they
        would blank ordinary words).

    Returns
    -------
    str

    Examples
    --------
    >>> redact("GET /obs?series_id=M2SL&api_key=abcd1234 failed", ["abcd1234"])
    'GET /obs?series_id=M2SL&api_key=*** failed'
    >>> redact("agent Jane jane@example.com", ["Jane jane@example.com"])
    'agent ***'
    """
    values = {str(s) for s in secrets if s and len(str(s)) >= 4}
    forms = {form for value in values for form in (value, quote(value, safe=""), quote_plus(value))}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return _SECRET_IN_URL.sub(lambda match: f"{match.group(1)}=***", text)


class HttpError(DataError):
    """A request that failed for good (after retries, or not retryable).

    Attributes
    ----------
    status : int or None
        The last HTTP status, or None for timeouts and connection errors.
    body : str or None
        The (redacted, shortened) body of a 4xx response, for the provider
        to read the service's own error message.
    """

    def __init__(self, message: str, status: int | None = None, body: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class TransientError(Exception):
    """A failure worth another attempt: raise it inside an ``attempt`` callable.

    Parameters
    ----------
    reason : str
        Why the attempt failed, for the log and the final message.
    wait : float, optional
        The server's hint in seconds (``Retry-After``), capped by the policy.
    status : int, optional
        The HTTP status, kept on the final :class:`HttpError`.
    """

    def __init__(self, reason: str, wait: float | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.wait = wait
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff.

    Attributes
    ----------
    attempts : int
        Total tries, >= 1.
    backoff : float
        Seconds before the second try; doubles each time.
    max_wait : float
        Cap on any single wait, including a server's ``Retry-After``.
    timeout : float
        Per-request timeout in seconds.
    """

    attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0
    timeout: float = 30.0

    def wait(self, attempt: int, hint: float | None = None) -> float:
        """Seconds to wait after failed try number ``attempt`` (0-based)."""
        base = self.backoff * (2.0**attempt) if hint is None else hint
        return float(min(max(base, 0.0), self.max_wait))


class RateLimiter:
    """At most ``max_requests`` calls to :meth:`acquire` in any window of ``period`` seconds.

    A sliding window over the times of the last ``max_requests`` requests:
    the next one waits until the oldest of them is ``period`` seconds old.
    Thread-safe. The clock and ``sleep`` are injectable, so tests check the
    waits without waiting.

    Parameters
    ----------
    max_requests : int
        Requests allowed per window (SEC EDGAR: 10 per second).
    period : float, default 1.0
        Window length in seconds.
    clock : callable, default :func:`time.monotonic`
    sleep : callable, default :func:`time.sleep`

    Examples
    --------
    >>> now = [0.0]
    >>> limiter = RateLimiter(2, clock=lambda: now[0], sleep=lambda s: None)
    >>> [limiter.acquire() for _ in range(3)]
    [0.0, 0.0, 1.0]
    """

    def __init__(
        self,
        max_requests: int,
        period: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if int(max_requests) < 1 or not period > 0:
            raise ValueError("RateLimiter needs max_requests >= 1 and period > 0.")
        self.max_requests = int(max_requests)
        self.period = float(period)
        self.clock = clock
        self.sleep = sleep
        self._stamps: deque[float] = deque(maxlen=self.max_requests)
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait (if needed) for a free slot and take it; return the seconds waited."""
        with self._lock:
            now = self.clock()
            wait = 0.0
            if len(self._stamps) == self.max_requests:
                wait = max(0.0, self._stamps[0] + self.period - now)
            if wait > 0:
                self.sleep(wait)
                # A fake sleep does not move a fake clock: count the request at
                # the moment it was allowed, or later if the clock says so.
                now = max(self.clock(), now + wait)
            self._stamps.append(now)
            return wait


def _retry_after(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header: delta seconds or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    what: str,
    retry_on: tuple[type[BaseException], ...] = (),
    redact_text: Callable[[str], str] = lambda text: text,
) -> T:
    """Call ``attempt`` until it succeeds or ``policy.attempts`` are used.

    The one retry loop of the project (HTTP and ``yf.download``).

    Parameters
    ----------
    attempt : callable
        Raises :class:`TransientError` (or one of ``retry_on``) on a
        transient failure; any other exception propagates at once.
    policy : RetryPolicy
    sleep : callable
        ``time.sleep`` or a fake.
    what : str
        What is being fetched, for messages.
    retry_on : tuple of exception types
        Extra exception types treated as transient.
    redact_text : callable, optional
        Applied to every failure reason before it is logged or raised
        (hides API keys and contact addresses).

    Returns
    -------
    The value of the first successful attempt.

    Raises
    ------
    HttpError
        When every attempt failed transiently; its message ends with the
        last reason, its ``status`` is the last HTTP status (or None).
    """
    last_reason, last_status = "", None
    for number in range(policy.attempts):
        try:
            return attempt()
        except TransientError as error:
            last_reason, hint, last_status = redact_text(str(error)), error.wait, error.status
        except retry_on as error:  # type: ignore[misc]
            last_reason, hint = redact_text(f"{type(error).__name__}: {error}"), None
        if number + 1 < policy.attempts:
            wait = policy.wait(number, hint)
            logger.warning("%s failed (%s); retrying in %.1f s", what, last_reason, wait)
            sleep(wait)
    raise HttpError(
        f"{what} failed after {policy.attempts} attempt(s); last error: {last_reason}. "
        "Check the network connection and try again later, or run with --offline to use "
        "only cached data.",
        status=last_status,
    )


def _default_transport() -> Transport:
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = (
        "regime-backtester (+https://pypi.org/project/regime-backtester)"
    )
    return session


def _transient_exceptions() -> tuple[type[BaseException], ...]:
    kinds: list[type[BaseException]] = [TimeoutError, ConnectionError]
    try:
        import requests

        # A body cut short (Content-Length or chunk mismatch) is transient too.
        kinds += [
            requests.Timeout,
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ]
    except ImportError:  # pragma: no cover - requests is a dependency
        pass
    return tuple(kinds)


def _request_exception() -> type[BaseException]:
    try:
        import requests
    except ImportError:  # pragma: no cover - requests is a dependency
        return OSError
    return requests.RequestException


@dataclass
class HttpSession:
    """GET with retries, backoff, timeouts and an optional rate limit over an injectable transport.

    Parameters
    ----------
    transport : Transport, optional
        Defaults to a :class:`requests.Session` created on first use.
    policy : RetryPolicy
    sleep : callable
        Defaults to :func:`time.sleep`; tests pass a recorder.
    rate_limiter : RateLimiter, optional
        Taken before every attempt, retries included (SEC: 10 per second).

    Examples
    --------
    >>> session = HttpSession(transport=fake, sleep=lambda s: None)  # doctest: +SKIP
    >>> text = session.get_text("https://example.org/x.csv", what="series X")  # doctest: +SKIP
    >>> facts = session.get_json(url, headers={"User-Agent": "Jane jane@example.org"},
    ...                          )  # doctest: +SKIP
    """

    transport: Transport | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    rate_limiter: RateLimiter | None = None

    def get_text(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        what: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """The body of a successful GET as text.

        Parameters
        ----------
        url : str
            Without query string (pass ``params``), so secrets stay redactable.
        params : mapping, optional
            Query parameters; values of :data:`SECRET_PARAMS` are secrets.
        what : str
            What is fetched, for messages (never put a secret in it).
        headers : mapping, optional
            Per-request headers (a ``User-Agent``); their values are secrets.

        Raises
        ------
        HttpError
            On a non-retryable status (with ``status`` and ``body`` set), a
            failure of the transport that is not transient, or when retries
            are exhausted. Its text never contains a secret.
        """
        if self.transport is None:
            self.transport = _default_transport()
        transport = self.transport
        secrets = [str(v) for k, v in (params or {}).items() if str(k).lower() in SECRET_PARAMS]
        secrets += [str(v) for v in (headers or {}).values()]

        def hide(text: str) -> str:
            return redact(text, secrets)

        what = hide(what or url)
        transient = _transient_exceptions()
        request_error = _request_exception()
        extra = {"headers": dict(headers)} if headers else {}

        def attempt() -> str:
            if self.rate_limiter is not None:
                self.rate_limiter.acquire()
            try:
                response = transport.get(url, params=params, timeout=self.policy.timeout, **extra)
            except transient:
                raise
            except request_error as error:  # invalid URL, too many redirects, ...
                raise HttpError(hide(f"{what}: {type(error).__name__}: {error}")) from None
            status = int(response.status_code)
            if status == 429 or status >= 500:
                raise TransientError(
                    f"HTTP {status}", _retry_after(response.headers.get("Retry-After")), status
                )
            if status >= 400:
                raise HttpError(
                    hide(f"{what}: HTTP {status} from {url}."),
                    status=status,
                    body=hide(str(response.text or "")[:_BODY_KEPT]),
                )
            return response.text

        return call_with_retries(attempt, self.policy, self.sleep, what, transient, hide)

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        what: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The body of a successful GET parsed as JSON.

        Parameters
        ----------
        url : str
            Without query string.
        params : mapping, optional
            Query parameters; values of :data:`SECRET_PARAMS` are secrets.
        what : str
            What is fetched, for messages.
        headers : mapping, optional
            Per-request headers; their values are secrets.

        Returns
        -------
        object
            The decoded JSON (a dict or list for the services used here).

        Raises
        ------
        HttpError
            As :meth:`get_text`.
        DataError
            When the body is not JSON (an HTML error page, a cut body); the
            message names ``what`` and never contains a secret.
        """
        text = self.get_text(url, params=params, what=what, headers=headers)
        try:
            return json.loads(text)
        except (json.JSONDecodeError, TypeError) as error:
            secrets = [str(v) for k, v in (params or {}).items() if str(k).lower() in SECRET_PARAMS]
            secrets += [str(v) for v in (headers or {}).values()]
            start = str(text or "").lstrip()[:40]
            raise DataError(
                redact(
                    f"{what or url}: the response is not valid JSON ({error}); it starts with "
                    f"{start!r}. The service may be down or the request malformed; try again "
                    "later.",
                    secrets,
                )
            ) from None
