"""Where this service's import jobs are read: the routers that answer 202 point there."""

SHEET_JOBS_PATH = "/api/v1/import_jobs"
