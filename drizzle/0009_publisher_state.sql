CREATE TABLE "credential_checks" (
	"target_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"expires_at" timestamp with time zone,
	"detail" text,
	"checked_at" timestamp with time zone NOT NULL,
	"warned_stage" integer
);
--> statement-breakpoint
CREATE TABLE "target_secrets" (
	"target_id" text PRIMARY KEY NOT NULL,
	"sealed" text,
	"version" integer DEFAULT 0 NOT NULL,
	"lease_holder" text,
	"leased_until" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "checkpoint" jsonb;