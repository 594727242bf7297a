CREATE TYPE "public"."room_access" AS ENUM('members', 'open');--> statement-breakpoint
CREATE TYPE "public"."room_member_role" AS ENUM('student', 'instructor');--> statement-breakpoint
CREATE TABLE "revoked_tokens" (
	"token_id" varchar(64) PRIMARY KEY NOT NULL,
	"user_id" uuid,
	"revoked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "room_members" (
	"room_id" varchar(64) NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "room_member_role" DEFAULT 'student' NOT NULL,
	"added_by" uuid,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "room_members_room_id_user_id_pk" PRIMARY KEY("room_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "rooms" (
	"id" varchar(64) PRIMARY KEY NOT NULL,
	"title" varchar(200) NOT NULL,
	"owner_id" uuid NOT NULL,
	"access" "room_access" DEFAULT 'members' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "recording_sharing" ALTER COLUMN "shared_with_role" SET DATA TYPE "public"."room_member_role" USING "shared_with_role"::text::"public"."room_member_role";--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "user_agent" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "revoked_tokens" ADD CONSTRAINT "revoked_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "room_members" ADD CONSTRAINT "room_members_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "room_members" ADD CONSTRAINT "room_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "room_members" ADD CONSTRAINT "room_members_added_by_users_id_fk" FOREIGN KEY ("added_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "revoked_tokens_expires_at_idx" ON "revoked_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "room_members_user_id_idx" ON "room_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "rooms_owner_id_idx" ON "rooms" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor_user_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "recording_sharing_user_idx" ON "recording_sharing" USING btree ("shared_with_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "recording_sharing_one_per_user" ON "recording_sharing" USING btree ("recording_id","shared_with_user_id") WHERE shared_with_user_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "recording_sharing_one_per_role" ON "recording_sharing" USING btree ("recording_id","shared_with_role") WHERE shared_with_role is not null;--> statement-breakpoint
ALTER TABLE "recording_sharing" ADD CONSTRAINT "recording_sharing_one_grantee" CHECK ((shared_with_user_id is null) <> (shared_with_role is null));