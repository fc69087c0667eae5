"""Choice sets for nautobot_ssot models."""

from nautobot.apps.choices import ChoiceSet


class SyncLogEntryActionChoices(ChoiceSet):
    """What a sync did (or would do) to one object."""

    ACTION_CREATE = "create"
    ACTION_UPDATE = "update"
    ACTION_DELETE = "delete"
    ACTION_NO_CHANGE = "no-change"
    ACTION_REJECT = "reject"
    ACTION_REPLACE = "replace"

    CHOICES = (
        (ACTION_CREATE, "create"),
        (ACTION_UPDATE, "update"),
        (ACTION_DELETE, "delete"),
        (ACTION_NO_CHANGE, "no change"),
        (ACTION_REJECT, "rejected source record"),
        (ACTION_REPLACE, "replace (delete and create or update in one step)"),
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


class SyncModeChoices(ChoiceSet):
    """How a run treats the changes of its sync phase."""

    MODE_DRY_RUN = "dry-run"
    MODE_VALIDATED_DRY_RUN = "validated-dry-run"
    MODE_PER_OBJECT = "per-object"
    MODE_ALL_OR_NOTHING = "all-or-nothing"

    CHOICES = (
        (MODE_DRY_RUN, "dry run (diff only)"),
        (MODE_VALIDATED_DRY_RUN, "validated dry run (applied, then rolled back)"),
        (MODE_PER_OBJECT, "per object (each object commits on its own)"),
        (MODE_ALL_OR_NOTHING, "all or nothing (one transaction)"),
    )


class SyncOutcomeChoices(ChoiceSet):
    """How a run ended, as recorded on its Sync."""

    OUTCOME_RUNNING = "running"
    OUTCOME_COMPLETED = "completed"
    OUTCOME_COMPLETED_WITH_FAILURES = "completed-with-failures"
    OUTCOME_ROLLED_BACK = "rolled-back"
    OUTCOME_REFUSED = "refused"
    OUTCOME_FAILED = "failed"
    OUTCOME_INCOMPLETE = "incomplete"

    CHOICES = (
        (OUTCOME_RUNNING, "running"),
        (OUTCOME_COMPLETED, "completed"),
        (OUTCOME_COMPLETED_WITH_FAILURES, "completed, some objects failed"),
        (OUTCOME_ROLLED_BACK, "rolled back"),
        (OUTCOME_REFUSED, "refused"),
        (OUTCOME_FAILED, "failed"),
        (OUTCOME_INCOMPLETE, "incomplete (worker lost)"),
    )


class ConflictPolicyChoices(ChoiceSet):
    """What a run does with an object that someone else changed in Nautobot since the job's last real run."""

    POLICY_SOURCE_WINS = "source-wins"
    POLICY_NAUTOBOT_WINS = "nautobot-wins"
    POLICY_HOLD = "hold"

    CHOICES = (
        (POLICY_SOURCE_WINS, "source wins (overwrite, report the conflict)"),
        (POLICY_NAUTOBOT_WINS, "Nautobot wins (keep the changed fields, sync the rest)"),
        (POLICY_HOLD, "hold (leave the object alone, report it)"),
    )


class ConflictResolutionChoices(ChoiceSet):
    """What a run did with one conflicting field (or object)."""

    RESOLUTION_OVERWRITTEN = "overwritten"
    RESOLUTION_KEPT = "kept"
    RESOLUTION_HELD = "held"

    CHOICES = (
        (RESOLUTION_OVERWRITTEN, "overwritten with the source value"),
        (RESOLUTION_KEPT, "kept as changed in Nautobot"),
        (RESOLUTION_HELD, "held (object left alone)"),
    )
