ALTER TABLE "recordings" ADD COLUMN "node_id" varchar(64);--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "lease_expires_at" timestamp with time zone;