"""Typed failures of Microsoft Graph and of report data, mapped at one boundary.

Everything that talks to Graph goes through `graph_call`; it turns the SDK's exceptions
(kiota `APIError`/`ODataError`, httpx transport errors) into these types, so callers decide
on meaning (wait, ask for a permission, skip) instead of on status codes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

import httpx
from azure.core.exceptions import ClientAuthenticationError
from kiota_abstractions.api_error import APIError

from adoption.pacing import retry_after_header

log = logging.getLogger(__name__)
T = TypeVar("T")


class UsageDataError(Exception):
    """Base of everything that stops a usage sync with an explanation."""


class ReportFormatError(UsageDataError):
    """A report (or export file) is not what we can read; names the report and the column."""

    def __init__(self, report: str, problem: str) -> None:
        super().__init__(f"{report}: {problem}")
        self.report = report
        self.problem = problem


class GraphError(UsageDataError):
    """Microsoft Graph refused or failed a request."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class GraphThrottled(GraphError):
    """429 after the SDK's own retries: try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float | None, code: str | None = None):
        super().__init__(message, status=429, code=code)
        self.retry_after = retry_after


class GraphForbidden(GraphError):
    """401/403: the app lacks a permission (named in `permission`) or consent."""

    def __init__(self, message: str, *, permission: str, status: int, code: str | None = None):
        super().__init__(message, status=status, code=code)
        self.permission = permission


class GraphNotFound(GraphError):
    """404: the resource (user, report) does not exist."""


class GraphServerError(GraphError):
    """5xx after the SDK's retries, or the service could not be reached at all."""


class DownloadLinkExpired(GraphError):
    """The pre-signed report download URL was refused: ask Graph for a fresh one."""


class DeltaExpired(GraphError):
    """The users delta link is no longer valid (older than ~7 days): start a full sync."""


_DELTA_EXPIRED_CODES = {"syncstatenotfound", "resyncrequired", "syncstateinvalid"}


def translate(exc: Exception, *, what: str, permission: str) -> GraphError:
    """Map one SDK/transport exception to a typed GraphError (the single boundary)."""
    if isinstance(exc, GraphError):
        return exc
    if isinstance(exc, httpx.HTTPError):
        return GraphServerError(f"{what}: Microsoft Graph unreachable ({type(exc).__name__})")
    status: int | None = getattr(exc, "response_status_code", None)
    headers = getattr(exc, "response_headers", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    detail = getattr(error, "message", None) or str(exc)
    code_key = (code or "").lower()
    if status == 410 or code_key in _DELTA_EXPIRED_CODES:
        return DeltaExpired(f"{what}: delta link expired", status=status, code=code)
    if status == 429:
        retry_after = retry_after_header(dict(headers) if headers else None)
        return GraphThrottled(
            f"{what}: throttled by Microsoft Graph", retry_after=retry_after, code=code
        )
    if status in (401, 403):
        # Graph JSON errors carry a code; a pre-signed download host answers without one.
        if status == 403 and error is None:
            return DownloadLinkExpired(f"{what}: download link refused", status=status)
        return GraphForbidden(
            f"{what}: access denied; grant the application permission {permission} "
            f"and admin consent",
            permission=permission,
            status=status,
            code=code,
        )
    if status == 404:
        return GraphNotFound(f"{what}: not found", status=status, code=code)
    if status is not None and status >= 500:
        return GraphServerError(f"{what}: Graph server error {status}", status=status, code=code)
    return GraphError(f"{what}: {detail}", status=status, code=code)


class GraphCredentialsMissing(GraphError):
    """No credential could get a token: Graph is not configured (AZURE_* or a managed
    identity), or the configured one is refused."""


async def graph_call(call: Awaitable[T], *, what: str, permission: str) -> T:
    """Await a Graph SDK call, translating its failures (see `translate`)."""
    try:
        return await call
    except ClientAuthenticationError as exc:
        # azure-identity found no usable credential (none configured, or refused).
        log.warning("graph.no_credentials", extra={"what": what, "error": type(exc).__name__})
        raise GraphCredentialsMissing(
            f"{what}: no Microsoft Graph credentials: set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
            "AZURE_CLIENT_SECRET (or a certificate, or a managed identity), or UPTAKE_REPORTS_DIR"
        ) from exc
    except (APIError, httpx.HTTPError) as exc:
        typed = translate(exc, what=what, permission=permission)
        log.warning(
            "graph.call_failed",
            extra={
                "what": what,
                "status": typed.status,
                "code": typed.code,
                "error": type(typed).__name__,
            },
        )
        raise typed from exc
