-- Core schema: reference tables, users and their language, profiles and applications,
-- roles, invitation codes, the audit log, FSM state and scheduler bookkeeping.
-- Times are UTC text 'YYYY-MM-DD HH:MM:SS' so that they sort and compare as strings.

CREATE TABLE countries (
    code TEXT PRIMARY KEY,
    timezone TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE agency_types (
    code TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    is_other INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE expertise_areas (
    code TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);

CREATE TABLE spoken_languages (
    code TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);

-- Names of the reference data in each UI locale.
CREATE TABLE reference_labels (
    kind TEXT NOT NULL CHECK (kind IN ('country', 'agency', 'expertise', 'language')),
    code TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('ru', 'en', 'kk', 'ky', 'tg', 'tk', 'uz')),
    label TEXT NOT NULL,
    PRIMARY KEY (kind, code, locale)
);

-- Everyone who pressed /start: only her language until she accepts the privacy notice.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    locale TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    unreachable_at TEXT
);

CREATE TABLE invite_codes (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    country_code TEXT NOT NULL REFERENCES countries(code),
    created_by INTEGER,
    max_uses INTEGER NOT NULL CHECK (max_uses >= 1),
    used_count INTEGER NOT NULL DEFAULT 0,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    created_at TEXT NOT NULL,
    CHECK (used_count <= max_uses)
);

CREATE TABLE profiles (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'pending', 'needs_info', 'approved', 'rejected', 'suspended')),
    wizard_step TEXT,
    privacy_accepted_at TEXT,
    full_name TEXT,
    country_code TEXT REFERENCES countries(code),
    agency_code TEXT REFERENCES agency_types(code),
    agency_other TEXT,
    position TEXT,
    years_of_service INTEGER CHECK (years_of_service BETWEEN 0 AND 45),
    bio TEXT,
    visible_fields TEXT NOT NULL DEFAULT 'name,agency,position,years,expertise,languages,bio',
    invite_code_id INTEGER REFERENCES invite_codes(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    decided_at TEXT,
    decided_by INTEGER,
    decision_note TEXT,
    review_reminded_at TEXT
);
CREATE INDEX profiles_status_country ON profiles (status, country_code);

CREATE TABLE profile_expertise (
    user_id INTEGER NOT NULL REFERENCES profiles(user_id) ON DELETE CASCADE,
    code TEXT NOT NULL REFERENCES expertise_areas(code),
    PRIMARY KEY (user_id, code)
);
CREATE INDEX profile_expertise_code ON profile_expertise (code);

CREATE TABLE profile_languages (
    user_id INTEGER NOT NULL REFERENCES profiles(user_id) ON DELETE CASCADE,
    code TEXT NOT NULL REFERENCES spoken_languages(code),
    PRIMARY KEY (user_id, code)
);
CREATE INDEX profile_languages_code ON profile_languages (code);

CREATE TABLE coordinators (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    country_code TEXT NOT NULL REFERENCES countries(code),
    appointed_by INTEGER,
    appointed_at TEXT NOT NULL
);

-- Who did what to whom; actor and target become NULL when that person deletes her data.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    target_id INTEGER,
    country_code TEXT,
    outcome TEXT NOT NULL DEFAULT 'done',
    details TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Removals from the association's chats, kept until done (the chats issue processes them).
CREATE TABLE chat_removals (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done_at TEXT
);

-- aiogram FSM state, so that a restart keeps every conversation where it was.
CREATE TABLE fsm_states (
    storage_key TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    state TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
CREATE INDEX fsm_states_user ON fsm_states (user_id);

-- When each periodic job last completed.
CREATE TABLE job_runs (
    name TEXT PRIMARY KEY,
    last_run_at TEXT NOT NULL
);

-- Anonymous counters that survive a member's deletion (e.g. how many left).
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL DEFAULT 0
);
