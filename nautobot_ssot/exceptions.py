"""Exceptions that integrations raise and catch (the names and attributes nautobot-ssot 4.x integrations use)."""

from __future__ import annotations


class AdapterLoadException(Exception):
    """An adapter could not load its data."""


class AuthFailure(Exception):
    """Authenticating to a remote system failed.

    Attributes:
        expression: The error code the remote system answered with.
        message: What went wrong.
    """

    def __init__(self, error_code: object, message: str):
        """Keep the error code and the message."""
        self.expression = error_code
        self.message = message
        super().__init__(message)


class ConfigurationError(Exception):
    """A job or an integration is configured in a way that cannot work."""


class JobException(Exception):
    """An integration's job could not be loaded or run.

    Attributes:
        message: What went wrong.
    """

    def __init__(self, message: str):
        """Keep the message."""
        self.message = message
        super().__init__(message)


class InvalidUrlScheme(Exception):
    """A URL uses a scheme the integration does not support.

    Attributes:
        message: The message naming the scheme.
    """

    def __init__(self, scheme: str):
        """Build the message from the refused scheme."""
        self.message = f"Invalid URL scheme '{scheme}' found!"
        super().__init__(self.message)


class MissingConfigSetting(Exception):
    """A setting the integration needs is not configured.

    Attributes:
        setting: Name of the missing setting.
        message: The message naming it.
    """

    def __init__(self, setting: str):
        """Build the message from the missing setting's name."""
        self.setting = setting
        self.message = f"Missing configuration setting - {setting}!"
        super().__init__(self.message)


class MissingSecretsGroupException(Exception):
    """An External Integration has no Secrets Group where one is needed."""


class RequestConnectError(Exception):
    """Connecting to a remote system failed."""


class RequestHTTPError(Exception):
    """A remote system answered with an HTTP error."""


__all__ = (
    "AdapterLoadException",
    "AuthFailure",
    "ConfigurationError",
    "InvalidUrlScheme",
    "JobException",
    "MissingConfigSetting",
    "MissingSecretsGroupException",
    "RequestConnectError",
    "RequestHTTPError",
)
