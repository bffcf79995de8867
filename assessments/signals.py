"""Events other apps react to (notifications, development plans, stored PDFs).

Services send them after their transaction commits, so a receiver never sees a rolled-back change.
"""

from django.dispatch import Signal

# cycle: Cycle
cycle_opened = Signal()
# assessment: Assessment
assessment_submitted = Signal()
# assessment: Assessment (manager kind), by: User, is_complete: bool (manager and employee both signed)
assessment_signed_off = Signal()
# assessment: Assessment, reason: str
assessment_reopened = Signal()
