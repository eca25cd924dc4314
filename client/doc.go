// Package client is the Go client of the agentdesk websocket API
// (docs/protocol.md). The desk uses it; it knows nothing of Bubble Tea.
//
// # Lifecycle
//
//	c, err := client.New(client.Options{URL: "ws://127.0.0.1:8080", Token: tok, OutboxPath: path})
//	go c.Run(ctx)            // connects, reconnects, resumes, until ctx ends or auth fails
//	for u := range c.Updates() { switch u := u.(type) { … } }
//	c.Close()                // after Run has returned: closes the outbox file
//
// New validates options and opens (and repairs) the outbox file. Run may be
// called once; it returns ctx.Err() when ctx ends, or an error wrapping
// ErrAuthFailed when the server refuses the token (HTTP 401 or close 4001) —
// retrying would not help, so the client stops.
//
// # Updates
//
// Updates returns one channel carrying values of eight types, in the order
// they happened:
//
//   - StateChanged: connecting / online / offline (with the error and the
//     time of the next attempt) / auth-failed / stopped.
//   - Welcomed: the welcome frame of each connection. When its Resume is
//     "snapshot", Snapshot replaces everything the app knew; when it is
//     "replay", the missed events follow as Event values.
//   - Event: one event frame with seq, kind and Payload decoded to the
//     matching *protocol.XxxEvent type (nil for a kind this build doesn't know).
//   - DraftDelta: a piece of a draft still being generated (ephemeral: no
//     seq, LastSeq does not move; the draft.updated Event replaces it).
//   - OutboxResult: an outboxed request was acked or failed for good.
//   - Presence: who has a conversation open right now (ephemeral, like
//     DraftDelta); sent when the set changes and once per open
//     conversation when the desk goes live.
//   - TeamStats: the floor aggregates the server pushes to a lead desk that
//     asked for the team board (TeamBoard), every protocol.StatsInterval.
//   - CustomerTyping: the customer of a conversation this desk has open is
//     writing (a customer_typing frame from the web chat; ephemeral, like
//     Presence).
//
// The reader goroutine never blocks on the app: updates go into an unbounded
// in-memory FIFO that a pump goroutine feeds to the channel. Nothing is ever
// dropped, and a slow app cannot stall pings, acks or the connection. The
// queue cannot grow without bound in practice: it holds at most what the
// server sends while the app is busy, and the desk drains it continuously.
// (Blocking the reader instead would also block the replies to Do, which the
// app may be waiting for on the goroutine that would drain the channel.)
// The channel is closed after Run has returned and the queue has drained,
// when Run's context ends, or on Close.
//
// # Resume
//
// The client tracks last, the seq it has applied: on a "snapshot" welcome it
// is the welcome's seq; on a "replay" welcome it stays at the since it sent
// and advances with every event. (Jumping to welcome.seq on replay would lose
// the rest of the replay if the connection dropped halfway through it.) Each
// reconnect sends ?since=last. Events with seq <= last are dropped, so a
// server that sends something twice cannot make the app apply it twice. If a
// replay welcome reports a seq below last, the server's log went backwards
// (e.g. a fresh database); the client forgets last and reconnects for a
// snapshot rather than silently dropping the new events as duplicates; an
// HTTP 400 refusal of a non-zero since likewise makes the next attempt fresh.
//
// # Requests
//
// Do sends one request and waits for its ack or error. Errors from the
// server are *protocol.Error with the server's code. Do fails fast with code
// "unavailable" while offline, when no reply came within the request timeout,
// or when the connection dropped before the reply (then a mutating request
// may or may not have been applied). Typed helpers (Claim, Next, …) wrap Do.
//
// # Outbox
//
// Enqueue is for actions that must not be lost, outcomes above all. It
// stores the request with a fresh id in the outbox file and fsyncs before it
// returns; the client then delivers queued requests one at a time, in order,
// whenever it is online. On an ack or a final error the item is removed and
// an OutboxResult is emitted; on a transient error (protocol.Code.Transient)
// it is retried with backoff; on disconnect, after reconnecting. Because the
// server is idempotent on (agent, request id) and the id is stored with the
// request, a resend after a crash changes nothing on the server: each queued
// action takes effect exactly once. See outbox.go for the file format.
//
// # Connection
//
// The upgrade request carries "Authorization: Bearer <token>", the
// subprotocols agentdesk.v2 and agentdesk.v1 (the second to reach a
// version 1 server, whose message events decode as version 2's) and,
// optionally, an Origin header. Any frame or
// ping from the server refreshes a read deadline (60 s by default), so a
// silent server is treated as gone. Reconnects use exponential backoff with
// full jitter (250 ms doubling to 15 s), reset once a connection has stayed
// up for a while; a close with 4008 (slow consumer) or 1001 (going away)
// reconnects promptly. One writer goroutine per connection does all writes
// except control frames.
package client
