"""The bulk write path of contrib: validated objects queued per object, written in batches with their change log.

Enable it for a target adapter with ``NautobotAdapter(job=..., bulk=True)``, or for one model class with
``_bulk = True`` (``_bulk = False`` keeps a class on the standard path). See ``docs/dev/performance.md``.
"""

from nautobot_ssot.contrib.bulk.support import model_fallback_reason, plan_fallback_reason
from nautobot_ssot.contrib.bulk.writer import BulkWriter

__all__ = ("BulkWriter", "model_fallback_reason", "plan_fallback_reason")
