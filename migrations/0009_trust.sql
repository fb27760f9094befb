-- Trust (issue 10): reviewers decide on what they saw, consequential buttons work once.

-- Every change of a profile bumps its version; a review card carries the version it showed,
-- and a decision on an older version is refused.
ALTER TABLE profiles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- The review cards sent for an application, so that an edit or a move to another country
-- withdraws the old ones (their buttons already refuse: the version moved on).
CREATE TABLE review_cards (
    member_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reviewer_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (member_id, reviewer_id, message_id)
);

-- One row per consequential action already taken (publish a preview, post, send): a double
-- tap or a second concurrent press finds the row and does nothing.
CREATE TABLE action_claims (
    key TEXT PRIMARY KEY,
    claimed_at TEXT NOT NULL
);

-- The flow's step lives in the FSM state only (one place); the old column stays unused.
UPDATE profiles SET wizard_step = NULL;
