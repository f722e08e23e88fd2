"""Receivables: invoices, credit notes, payments, write-offs, aging, collection work, reminders, statements, holds."""
