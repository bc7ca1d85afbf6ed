"""The one HTTP session of the data package: retries, backoff and timeouts.

Modelled on pandas-datareader's ``_BaseReader``: the session owns every
network concern (timeouts, bounded retries with exponential backoff, honouring
``Retry-After`` on HTTP 429), and a provider module only says what is special
about its endpoint. Both the transport (anything with
``get(url, params=..., timeout=...)`` returning an object with
``status_code``, ``headers`` and ``text``, such as :class:`requests.Session`)
and the ``sleep`` function are injectable, so tests run offline and never
actually wait.

Retried: HTTP 429 and 5xx, timeouts, connection errors and truncated bodies
(``ChunkedEncodingError``, ``ContentDecodingError``). Not retried:
other 4xx (a wrong URL or series id will not fix itself).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar

from data.base import DataError

__all__ = ["HttpError", "HttpSession", "RetryPolicy", "call_with_retries"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Response(Protocol):
    status_code: int
    headers: Mapping[str, str]
    text: str


class Transport(Protocol):
    def get(self, url: str, params: Mapping[str, Any] | None = ..., timeout: float = ...) -> Response:
        ...


class HttpError(DataError):
    """A request that failed for good (after retries, or not retryable).

    Attributes
    ----------
    status : int or None
        The last HTTP status, or None for timeouts and connection errors.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Retryable(Exception):
    """Internal: a transient failure worth another attempt."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


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
) -> T:
    """Call ``attempt`` until it succeeds or ``policy.attempts`` are used.

    Parameters
    ----------
    attempt : callable
        Raises ``_Retryable`` (or one of ``retry_on``) on a transient failure.
    policy : RetryPolicy
    sleep : callable
        ``time.sleep`` or a fake.
    what : str
        What is being fetched, for messages.
    retry_on : tuple of exception types
        Extra exception types treated as transient.

    Returns
    -------
    The value of the first successful attempt.

    Raises
    ------
    HttpError
        When every attempt failed transiently.
    """
    last_reason, last_status = "", None
    for number in range(policy.attempts):
        try:
            return attempt()
        except _Retryable as error:
            last_reason, hint = str(error), error.wait
            last_status = getattr(error, "status", None)
        except retry_on as error:  # type: ignore[misc]
            last_reason, hint = f"{type(error).__name__}: {error}", None
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
    session.headers["User-Agent"] = "regime-backtester (+https://pypi.org/project/regime-backtester)"
    return session


def _transient_exceptions() -> tuple[type[BaseException], ...]:
    kinds: list[type[BaseException]] = [TimeoutError, ConnectionError]
    try:
        import requests

        # A body cut short (Content-Length or chunk mismatch) is transient too.
        kinds += [requests.Timeout, requests.ConnectionError,
                  requests.exceptions.ChunkedEncodingError,
                  requests.exceptions.ContentDecodingError]
    except ImportError:  # pragma: no cover - requests is a dependency
        pass
    return tuple(kinds)


@dataclass
class HttpSession:
    """GET with retries, backoff and timeouts over an injectable transport.

    Parameters
    ----------
    transport : Transport, optional
        Defaults to a :class:`requests.Session` created on first use.
    policy : RetryPolicy
    sleep : callable
        Defaults to :func:`time.sleep`; tests pass a recorder.

    Examples
    --------
    >>> session = HttpSession(transport=fake, sleep=lambda s: None)  # doctest: +SKIP
    >>> text = session.get_text("https://example.org/x.csv", what="series X")  # doctest: +SKIP
    """

    transport: Transport | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep

    def get_text(self, url: str, params: Mapping[str, Any] | None = None, what: str = "") -> str:
        """The body of a successful GET as text.

        Raises
        ------
        HttpError
            On a non-retryable status (with ``status`` set) or when retries
            are exhausted.
        """
        if self.transport is None:
            self.transport = _default_transport()
        transport = self.transport
        what = what or url

        def attempt() -> str:
            response = transport.get(url, params=params, timeout=self.policy.timeout)
            status = int(response.status_code)
            if status == 429 or status >= 500:
                error = _Retryable(
                    f"HTTP {status}", _retry_after(response.headers.get("Retry-After"))
                )
                error.status = status  # type: ignore[attr-defined]
                raise error
            if status >= 400:
                raise HttpError(f"{what}: HTTP {status} from {url}.", status=status)
            return response.text

        return call_with_retries(attempt, self.policy, self.sleep, what, _transient_exceptions())
