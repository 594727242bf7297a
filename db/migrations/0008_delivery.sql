ALTER TABLE "recordings" ADD COLUMN "storage" varchar(8) DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "stored_bytes" bigint;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "hls_status" varchar(16);--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "hls_progress" double precision;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "hls_error" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "hls_renditions" jsonb;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "integrity" varchar(16) DEFAULT 'unchecked' NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "verified_at" timestamp with time zone;