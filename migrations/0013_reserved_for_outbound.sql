-- Placeholder so that 0014 applies on this branch: number 0013 belongs to the branch
-- `outbound` (message ids in the outbox). Drop this file when that branch is merged.
SELECT 1;
