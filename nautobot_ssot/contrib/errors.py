"""Exceptions raised by contrib and the text they carry."""

from __future__ import annotations

from diffsync.exceptions import ObjectNotCreated, ObjectNotDeleted, ObjectNotUpdated
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError, RestrictedError


class ModelDeclarationError(TypeError):
    """A NautobotModel subclass is declared in a way that cannot work.

    Raised when the class is defined (or, for facts only the database knows, when it is first loaded), with a
    message that names the class and the field.
    """


class RelatedObjectLookupError(ValueError):
    """The values of a field do not name exactly one object in the database.

    The message names the field(s) and the lookup that found no object, or more than one.
    """


def describe_error(error: Exception) -> str:
    """Return the message of ``error`` the way a person fixing the data needs it.

    Django validation errors become ``field: message`` pairs; other errors keep their own text.

    Args:
        error: An error raised while writing to the database.

    Returns:
        A one-line description.
    """
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
        return " ".join(error.messages)
    if isinstance(error, (ProtectedError, RestrictedError)):
        return str(error.args[0])
    return str(error) or type(error).__name__


class WriteRefused(Exception):
    """A write the database refused: ``args[0]`` is the original error, ``str()`` the message for people.

    Mixed into diffsync's ObjectNotCreated/Updated/Deleted below, so that code written for nautobot-ssot 4.x
    that reads ``error.args[0]`` gets the original exception, as it did there.

    Attributes:
        message: What was refused and why.
    """

    def __init__(self, error: Exception, message: str):
        """Keep the original error as the first argument and the message for ``str()``."""
        super().__init__(error)
        self.message = message

    def __str__(self) -> str:
        """The message for people."""
        return self.message


class CreateRefused(WriteRefused, ObjectNotCreated):
    """The database refused to create an object (a diffsync ObjectNotCreated)."""


class UpdateRefused(WriteRefused, ObjectNotUpdated):
    """The database refused to update an object (a diffsync ObjectNotUpdated)."""


class DeleteRefused(WriteRefused, ObjectNotDeleted):
    """The database refused to delete an object (a diffsync ObjectNotDeleted)."""
