-- A proposal's mentor is reminded once, a day before it lapses (issue 13).
ALTER TABLE mentor_pairs ADD COLUMN reminded_at TEXT;
