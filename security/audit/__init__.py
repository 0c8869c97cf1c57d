"""The audit trail of exchanges with national systems (record type and sink protocol)."""

from security.audit.record import AuditSink, ExchangeRecord, ListAuditSink, sha256_hex

__all__ = ["AuditSink", "ExchangeRecord", "ListAuditSink", "sha256_hex"]
