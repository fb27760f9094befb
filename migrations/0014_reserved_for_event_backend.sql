-- Placeholder so that 0015 applies on this branch: number 0014 belongs to the branch
-- `event-backend` (event calendar files). Drop this file when that branch is merged.
SELECT 1;
