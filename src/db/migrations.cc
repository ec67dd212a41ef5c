#include "db/migrations.h"

namespace trainbox::db {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, R"sql(
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  started_at_ms BIGINT NOT NULL DEFAULT 0,
  finished_at_ms BIGINT NOT NULL DEFAULT 0,
  heartbeat_at_ms BIGINT NOT NULL DEFAULT 0,
  progress TEXT NOT NULL DEFAULT '{}',
  options TEXT NOT NULL DEFAULT '{}',
  dataset TEXT NOT NULL DEFAULT '{}',
  classes TEXT NOT NULL DEFAULT '[]',
  metrics TEXT NOT NULL DEFAULT '{}',
  error TEXT,
  dataset_name TEXT NOT NULL DEFAULT '',
  dataset_key TEXT NOT NULL DEFAULT '',
  model_key TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  revision BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX tasks_status ON tasks (status, heartbeat_at_ms);
CREATE INDEX tasks_created ON tasks (created_at_ms);
)sql"},
      // Scale-out: which worker runs the task.
      {2, "ALTER TABLE tasks ADD COLUMN worker_id TEXT NOT NULL DEFAULT ''"},
      // Issue 12: the bundle's size and SHA-256, checked before it is served; the client's
      // Idempotency-Key of POST /tasks, unique where set (a partial index: SQLite and PostgreSQL).
      {3, R"sql(
ALTER TABLE tasks ADD COLUMN model_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN model_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN idempotency_fingerprint TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX tasks_idempotency_key ON tasks (idempotency_key) WHERE idempotency_key <> '';
)sql"},
      // Issue 12, accounts: every task has an owner (existing tasks get '', which only admins
      // see) and the bytes of its upload, for the per-user storage limit. Tokens are stored as
      // their SHA-256 only.
      {4, R"sql(
ALTER TABLE tasks ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN dataset_size BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tasks_owner ON tasks (owner, created_at_ms);
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  is_admin INTEGER NOT NULL DEFAULT 0,
  token_hash TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  token_issued_at_ms BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX users_token_hash ON users (token_hash);
)sql"},
  };
  return kMigrations;
}

}  // namespace trainbox::db
