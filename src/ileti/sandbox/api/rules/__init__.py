"""Ordered rule pipelines for the endpoints whose checks interact (send-sms: OQ-2)."""
