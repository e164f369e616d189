"""Reminders (临期提醒, 催办): per-plan rules, the periodic sweep and manual 催办 by staff."""
