-- Events in several languages and wider audiences; coordinators an administrator allows to
-- publish to the whole region.

ALTER TABLE events ADD COLUMN texts TEXT NOT NULL DEFAULT '{}';
ALTER TABLE coordinators ADD COLUMN may_publish_region INTEGER NOT NULL DEFAULT 0;
