-- Announcements scheduled for a later moment (/announce → Schedule). A row waits here until
-- the minute job hands it to the delivery engine; it is marked in the same transaction, so a
-- restart neither loses one nor sends one twice. The role is asked again when it is sent;
-- until then its author may withdraw it.

CREATE TABLE scheduled_announcements (
    id INTEGER PRIMARY KEY,
    created_by INTEGER NOT NULL,
    audience TEXT NOT NULL,            -- '*' (all members) or a country code
    payload TEXT NOT NULL,             -- {"html": ..., "texts": {locale: html}}
    send_at TEXT NOT NULL,             -- UTC
    timezone TEXT NOT NULL,            -- the zone she scheduled it in
    created_at TEXT NOT NULL,
    handled_at TEXT,
    outcome TEXT CHECK (outcome IN ('sent', 'not_allowed', 'nobody', 'withdrawn')),
    broadcast_id INTEGER
);
CREATE INDEX scheduled_announcements_due ON scheduled_announcements (handled_at, send_at);
