-- One outbound path (issue 11): every message that is not a direct reply goes through the
-- outbox, edits of earlier messages too.

-- The id of the message each item sent (or edited), once Telegram accepted it: features that
-- edit their messages later (review cards) learn it whether it went out at once or on a retry.
ALTER TABLE outbox ADD COLUMN message_id INTEGER;

-- An item that edits an earlier message in the recipient's chat instead of sending a new one:
-- that message's id (NULL: a new message).
ALTER TABLE outbox ADD COLUMN edit_of INTEGER;

-- Whom a one-person message is about (a review card: the applicant), so that erasing her
-- erases the messages about her that still wait or were kept.
ALTER TABLE broadcasts ADD COLUMN about INTEGER;
