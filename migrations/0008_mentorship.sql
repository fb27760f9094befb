-- Mentorship offers and requests, mentor pairs and their ratings, peer introductions,
-- blocks, and fortnightly coffee rounds. Contacts are shared only after consent, and no
-- username is stored: the current one is asked of Telegram when the contact is sent.

CREATE TABLE member_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    intros_enabled INTEGER NOT NULL DEFAULT 1,
    coffee_opt_in INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX member_settings_coffee ON member_settings (coffee_opt_in);

-- She never wants to be proposed to (or be proposed) this person again.
CREATE TABLE member_blocks (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
);
CREATE INDEX member_blocks_blocked ON member_blocks (blocked_id);

CREATE TABLE mentor_offers (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 5),
    availability TEXT NOT NULL CHECK (availability IN ('monthly', 'twice_monthly', 'weekly')),
    paused INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE mentor_areas (
    user_id INTEGER NOT NULL REFERENCES mentor_offers(user_id) ON DELETE CASCADE,
    code TEXT NOT NULL REFERENCES expertise_areas(code),
    PRIMARY KEY (user_id, code)
);

CREATE TABLE mentee_requests (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    goal_text TEXT NOT NULL,
    country_preference TEXT NOT NULL CHECK (country_preference IN ('any', 'same', 'other')),
    paused INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE mentee_goals (
    user_id INTEGER NOT NULL REFERENCES mentee_requests(user_id) ON DELETE CASCADE,
    code TEXT NOT NULL REFERENCES expertise_areas(code),
    PRIMARY KEY (user_id, code)
);

-- proposed → active ⇄ paused → completed | ended; a proposal can end declined or expired
-- (both reach the mentee only as "here is another suggestion", and only when the 3 days
-- are over: mentee_told_at); one she withdraws from is removed. One row per pair ever, so
-- an earlier or declined pair is never proposed again.
CREATE TABLE mentor_pairs (
    id INTEGER PRIMARY KEY,
    mentee_id INTEGER NOT NULL,
    mentor_id INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'declined', 'expired', 'active',
                                           'paused', 'completed', 'ended')),
    source TEXT NOT NULL CHECK (source IN ('request', 'round')),
    score INTEGER NOT NULL,
    proposed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    next_checkin_at TEXT,
    last_checkin_at TEXT,
    mentor_answered_at TEXT,
    mentor_silent INTEGER NOT NULL DEFAULT 0,
    mentee_told_at TEXT,
    UNIQUE (mentee_id, mentor_id)
);
CREATE INDEX mentor_pairs_mentor ON mentor_pairs (mentor_id, status);
CREATE INDEX mentor_pairs_status ON mentor_pairs (status, expires_at);
CREATE INDEX mentor_pairs_checkin ON mentor_pairs (status, next_checkin_at);

-- The mentors last suggested to a mentee: buttons name a list and a place in it, never a
-- member's id. A newer list replaces the older one.
CREATE TABLE suggestion_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mentee_id INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX suggestion_lists_mentee ON suggestion_lists (mentee_id);

CREATE TABLE suggestion_entries (
    list_id INTEGER NOT NULL REFERENCES suggestion_lists(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    mentor_id INTEGER NOT NULL,
    PRIMARY KEY (list_id, position)
);
CREATE INDEX suggestion_entries_mentor ON suggestion_entries (mentor_id);

-- A 1–5 rating when a pair ends; coordinators see only averages and counts.
CREATE TABLE pair_ratings (
    pair_id INTEGER NOT NULL,
    rater_id INTEGER NOT NULL,
    country_code TEXT,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (pair_id, rater_id)
);

-- choosing (she sees up to three candidates) → asked → accepted | declined | expired.
-- A decline or no answer reaches the requester when the 3 days are over (requester_told_at),
-- and she may then ask another of the people who fit: a follow-up row (parent_id set) that
-- does not count against her weekly limit.
CREATE TABLE intro_requests (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER,
    requester_id INTEGER NOT NULL,
    target_id INTEGER,
    country_code TEXT,
    expertise_code TEXT,
    language_code TEXT,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('choosing', 'asked', 'accepted', 'declined',
                                           'expired')),
    created_at TEXT NOT NULL,
    asked_at TEXT,
    expires_at TEXT,
    decided_at TEXT,
    requester_told_at TEXT
);
CREATE INDEX intro_requests_requester ON intro_requests (requester_id, created_at);
CREATE INDEX intro_requests_status ON intro_requests (status, expires_at);

-- The members offered to the requester, by place (buttons name the place, not the member).
CREATE TABLE intro_candidates (
    intro_id INTEGER NOT NULL REFERENCES intro_requests(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (intro_id, position)
);
CREATE INDEX intro_candidates_user ON intro_candidates (user_id);

CREATE TABLE coffee_rounds (
    id INTEGER PRIMARY KEY,
    pair_at TEXT NOT NULL UNIQUE,
    notice_sent_at TEXT,
    paired_at TEXT,
    followup_sent_at TEXT
);

CREATE TABLE coffee_skips (
    round_id INTEGER NOT NULL REFERENCES coffee_rounds(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (round_id, user_id)
);

CREATE TABLE coffee_groups (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES coffee_rounds(id) ON DELETE CASCADE
);

CREATE TABLE coffee_members (
    group_id INTEGER NOT NULL REFERENCES coffee_groups(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    met TEXT CHECK (met IN ('yes', 'no')),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX coffee_members_user ON coffee_members (user_id);
