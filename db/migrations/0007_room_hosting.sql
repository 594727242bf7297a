CREATE TABLE "cluster_nodes" (
	"id" varchar(64) PRIMARY KEY NOT NULL,
	"public_url" text NOT NULL,
	"rooms" integer DEFAULT 0 NOT NULL,
	"peers" integer DEFAULT 0 NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "host_node_id" varchar(64);