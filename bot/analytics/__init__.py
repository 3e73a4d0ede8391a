"""Analytics events: recorded when things happen, with pseudonymous ids and no personal data.

The dashboard reads only these rows (never transcripts), so figures stay correct after
transcripts are deleted under the retention policy.
"""

from bot.analytics.events import EventName, add_in_bulk, record_event, record_unanswered

__all__ = ["EventName", "add_in_bulk", "record_event", "record_unanswered"]
