-- Delivery retries (issue 10): transient failures never end a message before a day has passed.

-- When a message was first tried: transient failures (5xx, undecodable answers, dropped
-- connections, 429) are retried with a capped backoff until 24 hours after it.
ALTER TABLE outbox ADD COLUMN first_attempt_at TEXT;

-- What the sender's progress message shows last: NULL (as the handler wrote it), 'waiting'
-- or 'final'. A broadcast finished but not shown as such is reported again (it may have
-- finished before the progress message's id was saved).
ALTER TABLE broadcasts ADD COLUMN progress_shown TEXT;

-- Chat removals: a failed one stays queued (not_before: the next try), with what went wrong
-- last; an outcome ('removed', 'no_rights', 'unavailable') is kept until the coordinator's
-- report went out, so a restart between the two loses neither.
ALTER TABLE chat_removals ADD COLUMN not_before TEXT;
ALTER TABLE chat_removals ADD COLUMN first_attempt_at TEXT;
ALTER TABLE chat_removals ADD COLUMN last_error TEXT;
ALTER TABLE chat_removals ADD COLUMN outcome TEXT;
ALTER TABLE chat_removals ADD COLUMN waiting_reported INTEGER NOT NULL DEFAULT 0;
