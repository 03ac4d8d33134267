CREATE TABLE "approvals" (
	"post_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"approver_id" text NOT NULL,
	"approver_name" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "approvals_post_id_version_approver_id_pk" PRIMARY KEY("post_id","version","approver_id")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"post_id" uuid,
	"at" timestamp with time zone NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text NOT NULL,
	"action" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"post_id" uuid NOT NULL,
	"target_id" text NOT NULL,
	"position" integer NOT NULL,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"claimed_until" timestamp with time zone,
	"remote_id" text,
	"public_url" text,
	"last_error" text,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "digests" (
	"team_id" text NOT NULL,
	"day" text NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "digests_team_id_day_pk" PRIMARY KEY("team_id","day")
);
--> statement-breakpoint
CREATE TABLE "posts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" text NOT NULL,
	"number" integer NOT NULL,
	"author_id" text NOT NULL,
	"author_name" text NOT NULL,
	"text" text NOT NULL,
	"images" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"requested_at" timestamp with time zone,
	"state" text NOT NULL,
	"approvals_required" integer NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"card_ref" text,
	"dedupe_key" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" text PRIMARY KEY NOT NULL,
	"next_post_number" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "posts_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_post_idx" ON "audit_events" USING btree ("post_id","id");--> statement-breakpoint
CREATE INDEX "audit_team_at_idx" ON "audit_events" USING btree ("team_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_post_target_unique" ON "deliveries" USING btree ("post_id","target_id");--> statement-breakpoint
CREATE INDEX "deliveries_due_idx" ON "deliveries" USING btree ("next_attempt_at") WHERE "deliveries"."state" = 'scheduled';--> statement-breakpoint
CREATE INDEX "deliveries_claimed_idx" ON "deliveries" USING btree ("claimed_until") WHERE "deliveries"."state" = 'publishing';--> statement-breakpoint
CREATE UNIQUE INDEX "posts_team_number_unique" ON "posts" USING btree ("team_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "posts_team_dedupe_unique" ON "posts" USING btree ("team_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "posts_team_card_idx" ON "posts" USING btree ("team_id","card_ref");--> statement-breakpoint
CREATE INDEX "posts_team_state_idx" ON "posts" USING btree ("team_id","state");