-- Events that coordinators publish, members' answers (Going / Maybe / Can't) and ratings.
-- Times are UTC; each event keeps the time zone it was announced in.

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    created_by INTEGER,
    audience TEXT NOT NULL,            -- '*' (all members) or a country code
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    timezone TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 10080),
    place TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'cancelled')),
    created_at TEXT NOT NULL,
    reminded_24h_at TEXT,
    reminded_1h_at TEXT,
    feedback_sent_at TEXT
);
CREATE INDEX events_starts ON events (status, starts_at);

CREATE TABLE event_answers (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('going', 'maybe', 'no')),
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
