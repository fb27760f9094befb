-- The association's chats: where the bot is, which are bound to a country or the region,
-- who the bot let in, personal join links, and the durable queue of removals.

-- Every group, supergroup or channel the bot is in, with the rights it has there.
CREATE TABLE known_chats (
    chat_id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    bot_status TEXT NOT NULL,
    can_invite INTEGER NOT NULL DEFAULT 0,
    can_restrict INTEGER NOT NULL DEFAULT 0,
    can_post INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- A country chat (country_code set) or the regional chat (country_code NULL).
CREATE TABLE bound_chats (
    chat_id INTEGER PRIMARY KEY REFERENCES known_chats(chat_id) ON UPDATE CASCADE,
    country_code TEXT REFERENCES countries(code),
    bound_by INTEGER,
    bound_at TEXT NOT NULL
);
CREATE UNIQUE INDEX bound_chats_one_per_scope ON bound_chats (IFNULL(country_code, ''));

-- Members the bot knows to be in a chat (it let them in, or saw them join).
CREATE TABLE chat_members (
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX chat_members_user ON chat_members (user_id);

-- Removals still to do: one row per (member, chat), deleted once done.
ALTER TABLE chat_removals ADD COLUMN chat_id INTEGER;
ALTER TABLE chat_removals ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chat_removals ADD COLUMN report_to INTEGER;
CREATE UNIQUE INDEX chat_removals_once ON chat_removals (user_id, chat_id) WHERE done_at IS NULL;
