"""Uploading a file the person accepted in a Teams file consent card.

The upload URL comes inside an activity (`uploadInfo.uploadUrl`), so it is checked like a
service URL: https on an allow-listed SharePoint/OneDrive host (UPTAKE_FILE_UPLOAD_HOSTS),
loopback only in local mode, never with credentials in it, and a redirect is a failure,
never a hop to another host. No bot token is sent: the URL is pre-authorised by Teams.
"""

from __future__ import annotations

import logging

import aiohttp

from adoption.endpoints import ServiceUrls

log = logging.getLogger("uptake.uploads")


class UploadError(Exception):
    """The file was not uploaded; `reason` is a short code safe for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileUploads:
    """One pooled HTTP session for the uploads of this process."""

    def __init__(self, allowed: ServiceUrls, *, timeout_seconds: float = 30.0) -> None:
        self._allowed = allowed
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def refusal(self, url: str) -> str | None:
        """Why the bot must not upload to `url`, or None."""
        return self._allowed.problem(url)

    async def put(self, url: str, body: bytes) -> None:
        """PUT the whole file in one range (Teams' documented single-request upload)."""
        problem = self.refusal(url)
        if problem is not None:
            log.warning("upload.refused problem=%s", problem)
            raise UploadError("host_refused")
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}",
        }
        try:
            async with self._session.put(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                if response.status not in (200, 201):
                    log.warning("upload.failed status=%s", response.status)
                    raise UploadError(f"http_{response.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("upload.failed error=%s", type(error).__name__)
            raise UploadError(type(error).__name__) from error

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
