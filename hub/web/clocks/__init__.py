"""Statutory clocks on the child record and page, partnership KPIs as JSON, CSV and a board."""
