"""Spreadsheet imports too large for a request, run by the worker: the job a caller polls."""
