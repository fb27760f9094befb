-- Reviews and roles (issue 11): the applicant's answer to the reviewer's question.

-- While she is asked for more information, the question is the profile's decision_note; her
-- typed answer is kept here and shown on the reviewers' next card. A decision clears it.
-- (Part of her profile row: exported by /mydata and erased with it.)
ALTER TABLE profiles ADD COLUMN review_answer TEXT;
ALTER TABLE profiles ADD COLUMN review_answered_at TEXT;
