-- Rooms that recordings were made in before rooms were records: each becomes a
-- members-only room owned by whoever made its first recording.
INSERT INTO "rooms" ("id", "title", "owner_id", "access", "created_at")
SELECT DISTINCT ON ("room_id") "room_id", "room_id", "started_by", 'members', "created_at"
FROM "recordings"
ORDER BY "room_id", "created_at"
ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
-- The audit trail is append-only: no role the application connects as may
-- change or remove a row, whatever a bug in the code above it would try.
CREATE OR REPLACE FUNCTION "audit_log_append_only"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update_or_delete"
BEFORE UPDATE OR DELETE ON "audit_log"
FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate"
BEFORE TRUNCATE ON "audit_log"
FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
