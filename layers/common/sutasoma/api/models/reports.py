"""`/reports` answers: the report document itself (sutasoma/reports/models.py)."""

from __future__ import annotations

from sutasoma.reports.models import Report

__all__ = ["Report"]
