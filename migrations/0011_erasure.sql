-- Erasure and blocks (issue 10): a block outlives the blocked person's erasure.

-- One secret per installation, made once here and never shown: the key of the HMAC that
-- stands for a blocked person's Telegram id once she is erased.
CREATE TABLE installation_secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
INSERT INTO installation_secrets (name, value) VALUES ('block_key', randomblob(32));

-- Each block by its blocked person's keyed hash (HMAC-SHA256 of her Telegram id, see
-- bot/db/database.py). member_blocks names her while she is a member and goes with her
-- erasure; this row stays until the blocker unblocks or is erased herself, and brings the
-- block back when the same Telegram account registers again.
CREATE TABLE block_keys (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    blocked_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, blocked_key)
);
CREATE INDEX block_keys_blocked ON block_keys (blocked_key);

INSERT OR IGNORE INTO block_keys (user_id, blocked_key, created_at)
SELECT user_id, hmac_sha256((SELECT value FROM installation_secrets WHERE name = 'block_key'),
                            blocked_id), created_at
FROM member_blocks;

-- Every block, however it is written, gets its key.
CREATE TRIGGER member_blocks_keyed AFTER INSERT ON member_blocks
BEGIN
    INSERT OR IGNORE INTO block_keys (user_id, blocked_key, created_at)
    VALUES (NEW.user_id,
            hmac_sha256((SELECT value FROM installation_secrets WHERE name = 'block_key'),
                        NEW.blocked_id),
            NEW.created_at);
END;

-- She comes back with the same Telegram account: the blocks against her apply again.
CREATE TRIGGER users_blocks_return AFTER INSERT ON users
BEGIN
    INSERT OR IGNORE INTO member_blocks (user_id, blocked_id, created_at)
    SELECT k.user_id, NEW.id, k.created_at FROM block_keys k
    WHERE k.blocked_key = hmac_sha256(
              (SELECT value FROM installation_secrets WHERE name = 'block_key'), NEW.id)
      AND k.user_id != NEW.id;
END;

-- Digest payloads hold member ids, never names (names are read when each is sent); those
-- queued before this version lose their names and keep their count.
UPDATE broadcasts
SET payload = json_set(json_remove(payload, '$.new_member_names'), '$.new_member_ids',
                       json('[]'))
WHERE kind = 'digest' AND json_type(payload, '$.new_member_names') IS NOT NULL;
