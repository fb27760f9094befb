-- An event's card posted to the association's chats (the organiser's "Post to the chats
-- too"): the message's id in each chat, so a change edits the post to the new details and a
-- cancel says so and takes its "Answer in the bot" button away, as the members' own cards.
-- One post per event and chat: a double tap or "Try again" never posts a second one.

CREATE TABLE event_chat_posts (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    posted_at TEXT NOT NULL,
    PRIMARY KEY (event_id, chat_id)
);
