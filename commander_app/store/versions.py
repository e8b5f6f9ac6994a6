"""The schema this Commander writes, known without importing the migrations
(sqlite-utils costs start-up time and is only needed when a file must change)."""

KNOWN_MIGRATIONS = (
    "m001_event_log",
    "m002_full_text_search",
    "m003_templates",
    "m004_outbox",
    "m005_rollback_index",
    "m006_event_chain",
    "m007_follow_ups",
    "m008_tracker_pushes",
    "m009_import_stage",
    "m010_incident_figures",
    "m011_runbooks",
    "m012_alerts",
    "m013_runbook_steps",
    "m014_alert_groups_index",
    "m015_drill_outbox",
    "m017_alerts_one_group_index",
    "m018_team_sync",
)
SCHEMA_VERSION = len(KNOWN_MIGRATIONS)
MIGRATIONS_TABLE = "_sqlite_migrations"
