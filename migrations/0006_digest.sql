-- The weekly digest: each member can switch it off; each country's digest goes out once a week.

ALTER TABLE users ADD COLUMN digest_enabled INTEGER NOT NULL DEFAULT 1;

CREATE TABLE digest_runs (
    country_code TEXT NOT NULL REFERENCES countries(code),
    week TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (country_code, week)
);
