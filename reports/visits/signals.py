"""Signals the reports' records send for the layers that read them.

``written_in_bulk`` is sent after rows of these accounts were written without ``post_save`` (``bulk_create``,
``update``), with the days the rows count on; the rollups (``reports.analytics.rollups.signals``) listen and refresh
those accounts' days after the commit. ``last_write`` is sent by a service as the last write of its transaction: the
rollups store the refresh requests of the transaction then, so they commit (or roll back) with the change. The
sender does not know who listens, so the records never import the analytics built on them.
"""

from django.dispatch import Signal

# kwargs: distributor_ids (an iterable of account ids); days (an iterable of the days the rows count on, None:
# any day)
written_in_bulk = Signal()
last_write = Signal()  # no kwargs
