CREATE TABLE "recorder_workers" (
	"id" varchar(200) PRIMARY KEY NOT NULL,
	"host" varchar(255) NOT NULL,
	"pid" integer NOT NULL,
	"node_id" varchar(64),
	"max_bots" integer NOT NULL,
	"bots" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"idle_cpu" double precision,
	"free_memory_mb" integer,
	"refusing" text,
	"started_at" timestamp with time zone NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "recorder_workers_heartbeat_idx" ON "recorder_workers" USING btree ("heartbeat_at");