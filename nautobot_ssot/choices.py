"""Choice sets for nautobot_ssot models."""

from nautobot.apps.choices import ChoiceSet


class SyncLogEntryActionChoices(ChoiceSet):
    """What a sync did (or would do) to one object."""

    ACTION_CREATE = "create"
    ACTION_UPDATE = "update"
    ACTION_DELETE = "delete"
    ACTION_NO_CHANGE = "no-change"

    CHOICES = (
        (ACTION_CREATE, "create"),
        (ACTION_UPDATE, "update"),
        (ACTION_DELETE, "delete"),
        (ACTION_NO_CHANGE, "no change"),
    )


class SyncLogEntryStatusChoices(ChoiceSet):
    """How an action on one object ended."""

    STATUS_SUCCESS = "success"
    STATUS_FAILURE = "failure"
    STATUS_ERROR = "error"

    CHOICES = (
        (STATUS_SUCCESS, "success"),
        (STATUS_FAILURE, "failure"),
        (STATUS_ERROR, "error"),
    )


class DiffActionChoices(ChoiceSet):
    """The change one per-record diff row describes."""

    ACTION_CREATE = "create"
    ACTION_UPDATE = "update"
    ACTION_DELETE = "delete"

    CHOICES = (
        (ACTION_CREATE, "create"),
        (ACTION_UPDATE, "update"),
        (ACTION_DELETE, "delete"),
    )
