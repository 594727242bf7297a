CREATE TYPE "public"."recording_status" AS ENUM('pending', 'recording', 'stopped', 'processing', 'ready', 'failed');--> statement-breakpoint
CREATE TYPE "public"."share_permission" AS ENUM('view', 'download', 'share');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('student', 'instructor', 'admin');--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_user_id" uuid,
	"action" varchar(64) NOT NULL,
	"recording_id" uuid,
	"ip" "inet",
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recording_participants" (
	"recording_id" uuid NOT NULL,
	"peer_id" varchar(64) NOT NULL,
	"user_id" uuid,
	"full_name" varchar(200) NOT NULL,
	"role" "user_role" NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	CONSTRAINT "recording_participants_recording_id_peer_id_pk" PRIMARY KEY("recording_id","peer_id")
);
--> statement-breakpoint
CREATE TABLE "recording_sharing" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"recording_id" uuid NOT NULL,
	"shared_with_user_id" uuid,
	"shared_with_role" "user_role",
	"permission" "share_permission" DEFAULT 'view' NOT NULL,
	"shared_by" uuid NOT NULL,
	"shared_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recordings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"room_id" varchar(64) NOT NULL,
	"title" varchar(500) NOT NULL,
	"description" text,
	"started_by" uuid NOT NULL,
	"status" "recording_status" DEFAULT 'pending' NOT NULL,
	"file_path" text,
	"file_size" bigint,
	"duration_seconds" integer,
	"duration_ms" integer,
	"format" varchar(16),
	"video_codec" varchar(32),
	"audio_codec" varchar(32),
	"resolution_width" integer,
	"resolution_height" integer,
	"fps" double precision,
	"bitrate" integer,
	"sha256" varchar(64),
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"stopped_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" varchar(320) NOT NULL,
	"full_name" varchar(200) NOT NULL,
	"password_hash" text NOT NULL,
	"role" "user_role" DEFAULT 'student' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_recording_id_recordings_id_fk" FOREIGN KEY ("recording_id") REFERENCES "public"."recordings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recording_participants" ADD CONSTRAINT "recording_participants_recording_id_recordings_id_fk" FOREIGN KEY ("recording_id") REFERENCES "public"."recordings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recording_participants" ADD CONSTRAINT "recording_participants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recording_sharing" ADD CONSTRAINT "recording_sharing_recording_id_recordings_id_fk" FOREIGN KEY ("recording_id") REFERENCES "public"."recordings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recording_sharing" ADD CONSTRAINT "recording_sharing_shared_with_user_id_users_id_fk" FOREIGN KEY ("shared_with_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recording_sharing" ADD CONSTRAINT "recording_sharing_shared_by_users_id_fk" FOREIGN KEY ("shared_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_started_by_users_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_recording_id_idx" ON "audit_log" USING btree ("recording_id");--> statement-breakpoint
CREATE INDEX "recording_sharing_recording_id_idx" ON "recording_sharing" USING btree ("recording_id");--> statement-breakpoint
CREATE INDEX "recordings_room_id_idx" ON "recordings" USING btree ("room_id");--> statement-breakpoint
CREATE INDEX "recordings_status_idx" ON "recordings" USING btree ("status");--> statement-breakpoint
CREATE INDEX "recordings_created_at_idx" ON "recordings" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "recordings_one_active_per_room" ON "recordings" USING btree ("room_id") WHERE status in ('pending', 'recording') and deleted_at is null;