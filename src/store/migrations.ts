/** The schema, as numbered migrations applied in order and recorded in `user_version`. */
import type { Db } from './open-database.js';

const MIGRATIONS: string[] = [
  `
  -- Every webhook we acknowledged, exactly as it arrived. dedupe_key makes a repeat a no-op.
  CREATE TABLE inbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key   TEXT NOT NULL UNIQUE,
    bot_id       TEXT NOT NULL,
    event        TEXT NOT NULL,
    kind         TEXT NOT NULL,            -- bot | owner_copy | test
    actor_key    TEXT,                     -- the actor it goes to; NULL when nothing acts on it
    event_time   INTEGER NOT NULL,         -- data.created_at (or timestamp) in epoch microseconds: the order within an actor
    received_at  TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL,            -- pending | done | ignored | stored
    processed_at TEXT,
    note         TEXT
  );
  CREATE INDEX inbox_pending ON inbox (actor_key, event_time, seq) WHERE status = 'pending';

  -- Bodies we refused (bad shape, wrong recipient, not JSON), kept for the operator.
  CREATE TABLE dead_letters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    bot_id      TEXT,
    status      INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    details     TEXT,
    raw_body    TEXT NOT NULL
  );

  -- One row per actor (rental, DM conversation, owner chat): its persisted XState snapshot.
  CREATE TABLE actors (
    actor_key  TEXT PRIMARY KEY,
    bot_id     TEXT NOT NULL,
    kind       TEXT NOT NULL,              -- rental | dm | owner
    snapshot   TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
  );

  -- The conversation as the model sees it. external_id (the platform's message id) dedupes.
  CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_key   TEXT NOT NULL,
    role        TEXT NOT NULL,             -- user | assistant
    author      TEXT NOT NULL,             -- renter | owner | bot | other
    author_id   TEXT,
    external_id TEXT,
    content     TEXT NOT NULL,
    event_time  INTEGER NOT NULL,
    reply_to    INTEGER,                   -- for a reply: the messages.id it answers
    UNIQUE (actor_key, external_id)
  );
  CREATE INDEX messages_by_actor ON messages (actor_key, event_time, id);

  -- LLM turns an actor asked for. A turn is pending until its reply is in the outbox.
  CREATE TABLE turns (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_key   TEXT NOT NULL,
    bot_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,             -- greet | reply | instructions | wrap_up
    message_id  INTEGER,                   -- messages.id of the message that asked for it
    status      TEXT NOT NULL,             -- pending | done | cancelled
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    finished_at TEXT,
    note        TEXT
  );
  CREATE INDEX turns_pending ON turns (actor_key, id) WHERE status = 'pending';

  -- Every post to the platform, written before the call.
  CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_key       TEXT NOT NULL,
    bot_id          TEXT NOT NULL,
    turn_id         INTEGER,
    part            INTEGER NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,         -- pending | sending | sent | cancelled | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
  );
  CREATE INDEX outbox_open ON outbox (actor_key, id) WHERE status IN ('pending', 'sending');
  `,
  `
  -- The host's own clock for each rental (warning and end), durable because XState does not
  -- restore pending 'after' timers from a snapshot (xstate#5331). Re-armed at start by reading it.
  CREATE TABLE timers (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_key TEXT NOT NULL,
    kind      TEXT NOT NULL,             -- warn | expire
    due_at    INTEGER NOT NULL,          -- epoch ms
    status    TEXT NOT NULL,             -- pending | fired | cancelled
    created_at TEXT NOT NULL
  );
  CREATE INDEX timers_due ON timers (due_at) WHERE status = 'pending';

  -- Bearer calls per bot per UTC day: the platform counts every one against the owner's cap.
  CREATE TABLE api_usage (
    bot_id TEXT NOT NULL,
    day    TEXT NOT NULL,
    calls  INTEGER NOT NULL,
    PRIMARY KEY (bot_id, day)
  );

  -- Rentals the reconciler has looked at, so a discovered rental is announced once.
  ALTER TABLE actors ADD COLUMN last_reconciled_at INTEGER;
  `,
  `
  -- A turn that answers other events (not a chat message) points at its inbox row; a reply turn
  -- merged into a later one (messages that arrived while a turn ran) points at that turn.
  ALTER TABLE turns ADD COLUMN inbox_seq INTEGER;
  ALTER TABLE turns ADD COLUMN merged_into INTEGER;

  -- One row per model call: tokens and cost, per rental (actor), per bot, per day.
  CREATE TABLE llm_calls (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id            TEXT NOT NULL,
    actor_key         TEXT NOT NULL,
    model             TEXT NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost_usd          REAL NOT NULL,
    priced            INTEGER NOT NULL,
    day               TEXT NOT NULL,
    at                TEXT NOT NULL
  );
  CREATE INDEX llm_calls_by_actor ON llm_calls (actor_key);
  CREATE INDEX llm_calls_by_bot_day ON llm_calls (bot_id, day);

  -- Things said once per actor (e.g. "the budget is spent"), and the owner's pause switch per bot.
  CREATE TABLE notices (actor_key TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (actor_key, kind));
  CREATE TABLE bot_state (bot_id TEXT PRIMARY KEY, paused INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL);
  `,
  `
  -- A turn's tool calls that change something, written before the tool runs, so a turn redone
  -- after a crash answers a finished call from here instead of doing it again. One row per
  -- (turn, tool, canonical JSON of the arguments): the agent loop already answers an identical
  -- call within one attempt from its first result.
  CREATE TABLE tool_calls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    turn_id     INTEGER NOT NULL,
    bot_id      TEXT NOT NULL,
    tool        TEXT NOT NULL,
    args        TEXT NOT NULL,
    status      TEXT NOT NULL,             -- started | done
    result      TEXT,                      -- JSON {ok, value} or {ok: false, error}, once done
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (turn_id, tool, args)
  );

  -- Each platform write a journaled tool call made, recorded before the request is sent.
  CREATE TABLE tool_call_writes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id    INTEGER NOT NULL REFERENCES tool_calls (id),
    bot_id     TEXT NOT NULL,
    method     TEXT NOT NULL,
    path       TEXT NOT NULL,
    body       TEXT NOT NULL,
    outcome    TEXT NOT NULL,              -- sending | accepted (2xx) | refused (other status, or the guard) | absent (checked: not on the platform)
    status     INTEGER,                    -- the HTTP status, when one came back
    created_at TEXT NOT NULL
  );
  CREATE INDEX tool_call_writes_by_call ON tool_call_writes (call_id);
  CREATE INDEX tool_call_writes_by_path ON tool_call_writes (bot_id, path) WHERE outcome = 'accepted';

  -- A progress post a redone turn makes again is found among its turn's rows, not posted twice.
  CREATE INDEX outbox_by_turn ON outbox (turn_id) WHERE turn_id IS NOT NULL;
  `,
  `
  -- Lookups by actor that scanned a whole table, found with EXPLAIN QUERY PLAN when 10,000
  -- rentals made them slow: re-arming a rental's timers, counting its work steps, the outbox's
  -- check for copies already sent, a bot's rentals.
  CREATE INDEX timers_pending_by_actor ON timers (actor_key) WHERE status = 'pending';
  CREATE INDEX turns_by_actor_kind ON turns (actor_key, kind);
  CREATE INDEX outbox_by_actor_status ON outbox (actor_key, status);
  CREATE INDEX actors_by_bot ON actors (bot_id, kind);
  `,
];

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
