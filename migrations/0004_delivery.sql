-- The delivery engine's durable outbox: one broadcast, one row per recipient.
-- A row is claimed ('sending') before Telegram is called and settled after, each in its own
-- short write, so a crash can repeat at most the messages in flight and loses none.

CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    progress_chat_id INTEGER,
    progress_message_id INTEGER
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    recipient_id INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unreachable')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT,
    error TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (broadcast_id, recipient_id)
);
CREATE INDEX outbox_due ON outbox (status, not_before, id);
CREATE INDEX outbox_recipient ON outbox (recipient_id);
