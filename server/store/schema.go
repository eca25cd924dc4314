package store

// migrations are applied in order; the index+1 is the schema version kept in
// the meta table. Never edit a released migration: add a new one.
var migrations = []string{
	// 1: core schema.
	`
CREATE TABLE agents (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	team         TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL DEFAULT 'offline',
	status_since BIGINT NOT NULL,
	capacity     INTEGER NOT NULL DEFAULT 5,
	version      BIGINT NOT NULL DEFAULT 1,
	created_at   BIGINT NOT NULL
);

CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	agent_id   TEXT NOT NULL REFERENCES agents(id),
	hash       TEXT NOT NULL UNIQUE,
	label      TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	revoked_at BIGINT NOT NULL DEFAULT 0,
	last_used  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE customers (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	vip        INTEGER NOT NULL DEFAULT 0,
	language   TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);

CREATE TABLE conversations (
	id              TEXT PRIMARY KEY,
	customer_id     TEXT NOT NULL REFERENCES customers(id),
	channel         TEXT NOT NULL,
	status          TEXT NOT NULL,
	priority        INTEGER NOT NULL DEFAULT 0,
	assignee        TEXT NOT NULL DEFAULT '',
	team            TEXT NOT NULL DEFAULT '',
	version         BIGINT NOT NULL DEFAULT 1,
	subject         TEXT NOT NULL DEFAULT '',
	summary         TEXT NOT NULL DEFAULT '',
	sentiment       TEXT NOT NULL DEFAULT '',
	flags           TEXT NOT NULL DEFAULT '[]',
	escalation      TEXT NOT NULL DEFAULT '',
	language        TEXT NOT NULL DEFAULT '',
	last_seq        INTEGER NOT NULL DEFAULT 0,
	last_customer   INTEGER NOT NULL DEFAULT 0,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	escalated_at    BIGINT NOT NULL DEFAULT 0,
	first_reply_at  BIGINT NOT NULL DEFAULT 0,
	sla_due_at      BIGINT NOT NULL DEFAULT 0,
	snoozed_until   BIGINT NOT NULL DEFAULT 0,
	resolved_at     BIGINT NOT NULL DEFAULT 0,
	disposition     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conversations_queue ON conversations(status, priority DESC, escalated_at);
CREATE INDEX conversations_assignee ON conversations(assignee, status);

CREATE TABLE messages (
	id              TEXT PRIMARY KEY,
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	seq             INTEGER NOT NULL,
	author          TEXT NOT NULL,
	author_id       TEXT NOT NULL DEFAULT '',
	author_name     TEXT NOT NULL DEFAULT '',
	text            TEXT NOT NULL,
	draft_id        TEXT NOT NULL DEFAULT '',
	delivery        TEXT NOT NULL DEFAULT '',
	external_id     TEXT NOT NULL DEFAULT '',
	created_at      BIGINT NOT NULL,
	UNIQUE (conversation_id, seq)
);

CREATE TABLE escalations (
	id              TEXT PRIMARY KEY,
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	reason          TEXT NOT NULL,
	evidence        TEXT NOT NULL DEFAULT '',
	bot_confidence  REAL NOT NULL DEFAULT 0,
	bot_tried       TEXT NOT NULL DEFAULT '[]',
	created_at      BIGINT NOT NULL
);
CREATE INDEX escalations_conversation ON escalations(conversation_id);

CREATE TABLE drafts (
	id              TEXT PRIMARY KEY,
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	text            TEXT NOT NULL,
	based_on_seq    INTEGER NOT NULL,
	provider        TEXT NOT NULL,
	model           TEXT NOT NULL,
	prompt_version  TEXT NOT NULL,
	sources         TEXT NOT NULL DEFAULT '[]',
	warnings        TEXT NOT NULL DEFAULT '[]',
	instruction     TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL,
	created_at      BIGINT NOT NULL
);
CREATE INDEX drafts_conversation ON drafts(conversation_id);

CREATE TABLE outcomes (
	id              TEXT PRIMARY KEY,
	draft_id        TEXT NOT NULL UNIQUE REFERENCES drafts(id),
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	agent_id        TEXT NOT NULL,
	action          TEXT NOT NULL,
	draft_text      TEXT NOT NULL,
	final_text      TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	note            TEXT NOT NULL DEFAULT '',
	message_id      TEXT NOT NULL DEFAULT '',
	provider        TEXT NOT NULL,
	model           TEXT NOT NULL,
	prompt_version  TEXT NOT NULL,
	sources         TEXT NOT NULL DEFAULT '[]',
	idempotency_key TEXT NOT NULL UNIQUE,
	draft_shown_at  BIGINT NOT NULL DEFAULT 0,
	created_at      BIGINT NOT NULL
);
CREATE INDEX outcomes_created ON outcomes(created_at);

CREATE TABLE events (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	kind            TEXT NOT NULL,
	conversation_id TEXT NOT NULL DEFAULT '',
	assignee        TEXT NOT NULL DEFAULT '',
	actor           TEXT NOT NULL DEFAULT '',
	at              BIGINT NOT NULL,
	data            TEXT NOT NULL
);

CREATE TABLE audit (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	at              BIGINT NOT NULL,
	actor           TEXT NOT NULL,
	action          TEXT NOT NULL,
	conversation_id TEXT NOT NULL DEFAULT '',
	detail          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit(at);

CREATE TABLE requests (
	agent_id   TEXT NOT NULL,
	request_id TEXT NOT NULL,
	response   TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (agent_id, request_id)
);
CREATE INDEX requests_created ON requests(created_at);
`,
	// 2: channels and bots (HTTP API): integration tokens, channel
	// identities, inbound message ids, bot turn quality, CSAT, the outbound
	// delivery outbox and SLA breaches. See channels.go, deliveries.go, sla.go.
	`
ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'desk';

CREATE TABLE channel_identities (
	channel     TEXT NOT NULL,
	external_id TEXT NOT NULL,
	customer_id TEXT NOT NULL REFERENCES customers(id),
	created_at  BIGINT NOT NULL,
	PRIMARY KEY (channel, external_id)
);
CREATE INDEX channel_identities_customer ON channel_identities(customer_id);

CREATE TABLE inbound_messages (
	channel         TEXT NOT NULL,
	client_id       TEXT NOT NULL,
	message_id      TEXT NOT NULL REFERENCES messages(id),
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	author          TEXT NOT NULL,
	text_hash       TEXT NOT NULL,
	bot_fallback    INTEGER NOT NULL DEFAULT 0,
	bot_confidence  REAL NOT NULL DEFAULT -1,
	created_at      BIGINT NOT NULL,
	PRIMARY KEY (channel, client_id)
);
CREATE INDEX inbound_messages_conversation ON inbound_messages(conversation_id, author);

CREATE TABLE csat (
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	resolved_at     BIGINT NOT NULL,
	score           INTEGER NOT NULL,
	comment         TEXT NOT NULL DEFAULT '',
	created_at      BIGINT NOT NULL,
	PRIMARY KEY (conversation_id, resolved_at)
);

CREATE TABLE deliveries (
	message_id      TEXT PRIMARY KEY REFERENCES messages(id),
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	channel         TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);

CREATE TABLE sla_breaches (
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	due_at          BIGINT NOT NULL,
	at              BIGINT NOT NULL,
	PRIMARY KEY (conversation_id, due_at)
);
`,
	// 3: the copilot's intent and per-turn sentiment trajectory on the
	// conversation, for the handoff card.
	`
ALTER TABLE conversations ADD COLUMN intent TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN trajectory TEXT NOT NULL DEFAULT '[]';
`,
	// 4: routing (routing.go): when each agent last got a chat (ties go to
	// who waited longest), when the current assignee started holding a chat
	// (the return timer), and the agent a chat is not handed back to for a
	// while after they let it go.
	`
ALTER TABLE agents ADD COLUMN last_assigned_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN held_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN route_skip TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN route_skip_until BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET held_since = updated_at WHERE status IN ('assigned', 'snoozed');
`,
	// 5: trainer review (review.go): how much the agent changed each draft
	// (normalised word-level edit distance; -1 until computed), trainers'
	// labels of outcomes, and gold replies promoted into the exemplar
	// memory or the knowledge base.
	`
ALTER TABLE outcomes ADD COLUMN change_score REAL NOT NULL DEFAULT -1;
CREATE INDEX outcomes_change ON outcomes(change_score);

CREATE TABLE labels (
	outcome_id  TEXT PRIMARY KEY REFERENCES outcomes(id),
	reason      TEXT NOT NULL DEFAULT '',
	severity    TEXT NOT NULL DEFAULT '',
	comment     TEXT NOT NULL DEFAULT '',
	gold_reply  TEXT NOT NULL DEFAULT '',
	golden      INTEGER NOT NULL DEFAULT 0,
	labelled_by TEXT NOT NULL,
	labelled_at INTEGER NOT NULL,
	version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE promotions (
	id         TEXT PRIMARY KEY,
	outcome_id TEXT NOT NULL REFERENCES outcomes(id),
	target     TEXT NOT NULL,
	ref        TEXT NOT NULL,
	status     TEXT NOT NULL,
	question   TEXT NOT NULL,
	reply      TEXT NOT NULL,
	language   TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX promotions_outcome ON promotions(outcome_id);
`,
	// 6: attachments (attachments.go): metadata of every stored file, its
	// bytes in a table of their own (so metadata reads never load them),
	// and each message's attachment list, denormalised onto the message so
	// transcripts and events need no join.
	`
ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '';

CREATE TABLE attachments (
	id              TEXT PRIMARY KEY,
	owner           TEXT NOT NULL,
	source          TEXT NOT NULL,
	conversation_id TEXT NOT NULL DEFAULT '',
	message_id      TEXT NOT NULL DEFAULT '',
	name            TEXT NOT NULL,
	content_type    TEXT NOT NULL,
	size            BIGINT NOT NULL,
	sha256          TEXT NOT NULL,
	created_at      BIGINT NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id, created_at);
CREATE INDEX attachments_owner ON attachments(owner, message_id);

CREATE TABLE attachment_data (
	id   TEXT PRIMARY KEY REFERENCES attachments(id),
	data BLOB NOT NULL
);
`,
	// 7: the front-line bot (bot.go): the sources a bot turn drew on, for
	// the handoff card, and when a resolved chat last came back to the bot
	// (its failures and the customer's repeats count from then).
	`
ALTER TABLE inbound_messages ADD COLUMN bot_sources TEXT NOT NULL DEFAULT '[]';
CREATE TABLE bot_returns (
	conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
	at              BIGINT NOT NULL
);
`,
	// 8: when the customer's oldest message no agent has answered was
	// written (protocol.Conversation.WaitStart): kept by addMessage, so the
	// desk's Wait and the board's agree without reading messages.
	`
ALTER TABLE conversations ADD COLUMN waiting_since BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET waiting_since = COALESCE((SELECT MIN(m.created_at) FROM messages m
	WHERE m.conversation_id = conversations.id AND m.author = 'customer'
	AND m.seq > COALESCE((SELECT MAX(a.seq) FROM messages a WHERE a.conversation_id = conversations.id AND a.author = 'agent'), 0)), 0);
`,
	// 9: replies of a conversation are delivered in order (deliveries.go):
	// claiming looks for an earlier pending reply of the same conversation.
	`
CREATE INDEX deliveries_conversation ON deliveries(conversation_id, status);
`,
	// 10: the e-mail channel (email.go): each mailbox's read watermark, and
	// the Message-ID of every mail in and out with its conversation.
	`
CREATE TABLE mailbox_state (
	account      TEXT NOT NULL,
	mailbox      TEXT NOT NULL,
	uid_validity BIGINT NOT NULL,
	last_uid     BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL,
	PRIMARY KEY (account, mailbox)
);

CREATE TABLE email_threads (
	header_id       TEXT PRIMARY KEY,
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	message_id      TEXT NOT NULL,
	refs            TEXT NOT NULL DEFAULT '',
	subject         TEXT NOT NULL DEFAULT '',
	outbound        INTEGER NOT NULL DEFAULT 0,
	created_at      BIGINT NOT NULL
);
CREATE INDEX email_threads_conversation ON email_threads(conversation_id, created_at);
`,
	// 11: a request id is bound to its request (store.WithRequestHash): a
	// reused id with another body is a conflict, not the old ack.
	`
ALTER TABLE requests ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
`,
	// 12: trainers label the customer's mood of an outcome's turn
	// (protocol.Label.Mood), exported as sentiment training rows.
	`
ALTER TABLE labels ADD COLUMN mood TEXT NOT NULL DEFAULT '';
`,
	// 13: the status an agent chose is kept apart from the one shown: an
	// agent without a desk connected shows offline and gets the chosen
	// status back on connecting ('' = never chosen: online). See
	// Tx.DeskConnected and Tx.ShowAbsentOffline.
	`
ALTER TABLE agents ADD COLUMN chosen_status TEXT NOT NULL DEFAULT '';
UPDATE agents SET chosen_status = status WHERE status <> 'offline';
`,
	// 14: what a bot message is (protocol.BotKind): the handoff card and
	// the copilot's summary leave a handoff notice or a goodbye out of
	// what the bot tried. The server's own bot marked its messages in
	// their ids (bot.go), so older rows are told by those.
	`
ALTER TABLE messages ADD COLUMN bot_kind TEXT NOT NULL DEFAULT '';
UPDATE messages SET bot_kind = 'handoff' WHERE author = 'bot' AND external_id LIKE 'bot-handoff-%';
UPDATE messages SET bot_kind = 'answer' WHERE author = 'bot' AND external_id LIKE 'bot-answer-%';
UPDATE messages SET bot_kind = 'clarify' WHERE author = 'bot' AND external_id LIKE 'bot-clarify-%';
UPDATE messages SET bot_kind = 'bye' WHERE author = 'bot' AND external_id LIKE 'bot-bye-%';
`,
	// 15: what a draft is (protocol.DraftKind): a closing or holding reply
	// states no facts, and the desk warns of no missing source on it.
	`
ALTER TABLE drafts ADD COLUMN kind TEXT NOT NULL DEFAULT '';
`,
	// 16: when an agent wrote a reply or note, when earlier than the
	// message's created_at (protocol.TextReq.WrittenAt: queued on a desk
	// while offline); 0 otherwise.
	`
ALTER TABLE messages ADD COLUMN written_at INTEGER NOT NULL DEFAULT 0;
`,
}
