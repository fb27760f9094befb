-- Events as calendar entries (issue 12): a globally unique UID, a SEQUENCE that grows with
-- every change, when it last changed, since when its reminders count, who took the .ics
-- file (she gets the new one after a change), and the language of each bound chat.

ALTER TABLE events ADD COLUMN uid TEXT;
UPDATE events SET uid = lower(hex(randomblob(16))) || '@association-bot';
CREATE UNIQUE INDEX events_uid ON events (uid);
ALTER TABLE events ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN updated_at TEXT;
UPDATE events SET updated_at = created_at;
-- A reminder whose moment (start − 24 h, start − 1 h) falls before this was never armed:
-- set at publish and at every change of the start.
ALTER TABLE events ADD COLUMN reminders_armed_at TEXT;
UPDATE events SET reminders_armed_at = created_at;

CREATE TABLE event_calendar_takers (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    taken_at TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

-- NULL: the default (the regional chat in Russian, a country's chat in its language).
ALTER TABLE bound_chats ADD COLUMN locale TEXT;
