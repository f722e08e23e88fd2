"""The audit trail: the ``AuditEvent`` that ``services.record`` writes in the transaction of each change."""
