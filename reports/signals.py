"""Signals the reports' records send for the layers that read them.

``written_in_bulk`` is sent after rows of these accounts were written without ``post_save`` (``bulk_create``,
``update``); the rollups (``reports.rollup_signals``) listen and refresh the accounts after the commit. The
sender does not know who listens, so the records never import the analytics built on them.
"""

from django.dispatch import Signal

written_in_bulk = Signal()  # kwargs: distributor_ids (an iterable of account ids)
