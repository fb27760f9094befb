-- After an event (issue 12): whether she was there and an optional anonymous comment.
-- A mark means she was there (attended = 1); "I wasn't there" is attended = 0; NULL: she
-- did not say. The comment is hers (export, erasure) but the organiser reads it without a
-- name, and only once five people have rated.

ALTER TABLE event_answers ADD COLUMN attended INTEGER CHECK (attended IN (0, 1));
ALTER TABLE event_answers ADD COLUMN comment TEXT;
