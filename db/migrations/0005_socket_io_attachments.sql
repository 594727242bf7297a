-- Used by @socket.io/postgres-adapter to carry large packets between servers
-- sharing one PostgreSQL (their Socket.IO events reach each other's clients).
-- Harmless, and unused, on the embedded database.
CREATE TABLE IF NOT EXISTS "socket_io_attachments" (
  "id" bigserial UNIQUE,
  "created_at" timestamptz DEFAULT NOW(),
  "payload" bytea
);
