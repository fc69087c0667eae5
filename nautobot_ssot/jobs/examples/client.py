"""A small client for a remote Nautobot's REST API: paged reads, writes, and errors that say what went wrong."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import requests
from nautobot.extras.choices import SecretsGroupAccessTypeChoices, SecretsGroupSecretTypeChoices
from nautobot.extras.models import ExternalIntegration

PAGE_SIZE = 200
"""Objects asked for per page of a list."""


class RemoteAPIError(Exception):
    """A request to the remote Nautobot failed (HTTP error status, timeout, connection refused, bad answer)."""


def _detail(response: requests.Response) -> str:
    """The most useful part of an error response: its ``detail`` or field errors, else the start of its body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300].strip()
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return str(body)[:500]


@dataclass
class RemoteNautobotClient:
    """Talks to one remote Nautobot's REST API with a token.

    Attributes:
        url: Base URL of the remote Nautobot, such as ``http://127.0.0.1:8081``.
        token: Its API token.
        timeout: Seconds to wait for each response.
        verify_ssl: Verify the server's TLS certificate.
        page_size: Objects asked for per page when listing.
    """

    url: str
    token: str = field(repr=False)
    timeout: float = 30
    verify_ssl: bool = True
    page_size: int = PAGE_SIZE
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def __post_init__(self) -> None:
        """Normalise the URL and set the headers every request carries."""
        self.url = self.url.rstrip("/")
        self.session.headers.update({"Authorization": f"Token {self.token}", "Accept": "application/json"})
        self.session.verify = self.verify_ssl

    @classmethod
    def from_integration(cls, integration: ExternalIntegration) -> RemoteNautobotClient:
        """Build a client from an ExternalIntegration: its URL, timeout, TLS setting and the token of its SecretsGroup.

        The token is the group's secret of access type HTTP(S) and secret type Token.

        Raises:
            RemoteAPIError: The integration has no SecretsGroup, or the token cannot be read.
        """
        if integration.secrets_group is None:
            raise RemoteAPIError(f"External integration {integration} has no secrets group holding the API token.")
        try:
            token = integration.secrets_group.get_secret_value(
                access_type=SecretsGroupAccessTypeChoices.TYPE_HTTP,
                secret_type=SecretsGroupSecretTypeChoices.TYPE_TOKEN,
                obj=integration,
            )
        except Exception as error:  # noqa: BLE001  (every provider raises its own errors; report them all)
            raise RemoteAPIError(f"Cannot read the API token of external integration {integration}: {error}") from error
        timeout = integration.timeout or 30
        return cls(url=integration.remote_url, token=token.strip(), timeout=timeout, verify_ssl=integration.verify_ssl)

    def endpoint_url(self, endpoint: str, object_id: Optional[str] = None) -> str:
        """The URL of a list endpoint (``dcim/devices``) or of one of its objects."""
        return f"{self.url}/api/{endpoint.strip('/')}/" + (f"{object_id}/" if object_id else "")

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send one request and return its successful response.

        Raises:
            RemoteAPIError: Timeout, connection failure, or an HTTP error status; the message names the request.
        """
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as error:
            raise RemoteAPIError(f"{method} {url} timed out after {self.timeout} seconds.") from error
        except requests.RequestException as error:
            raise RemoteAPIError(f"{method} {url} failed: {error}") from error
        if response.status_code >= 400:  # noqa: PLR2004
            raise RemoteAPIError(
                f"{method} {url} returned HTTP {response.status_code} {response.reason}: {_detail(response)}"
            )
        return response

    def get_all(self, endpoint: str, params: Optional[Mapping[str, Any]] = None) -> Iterator[dict]:
        """Yield every object of a list endpoint, page after page (following each page's ``next`` link).

        Raises:
            RemoteAPIError: A page could not be read, or is not a Nautobot list page.
        """
        url: Optional[str] = self.endpoint_url(endpoint)
        query: Optional[dict] = {"limit": self.page_size, "depth": 0, **(params or {})}
        while url:
            page = self._json(self.request("GET", url, params=query))
            if not isinstance(page, dict) or "results" not in page:
                raise RemoteAPIError(f"GET {url} did not return a list of objects.")
            yield from page["results"]
            url, query = page.get("next"), None

    def create(self, endpoint: str, payload: Mapping[str, Any]) -> dict:
        """Create one object; return it as the remote returned it."""
        return self._json(self.request("POST", self.endpoint_url(endpoint), json=payload))

    def update(self, endpoint: str, object_id: str, payload: Mapping[str, Any]) -> dict:
        """Change some fields of one object; return it as the remote returned it."""
        return self._json(self.request("PATCH", self.endpoint_url(endpoint, object_id), json=payload))

    def delete(self, endpoint: str, object_id: str) -> None:
        """Delete one object."""
        self.request("DELETE", self.endpoint_url(endpoint, object_id))

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise RemoteAPIError(f"{response.request.method} {response.url} did not return JSON.") from error
