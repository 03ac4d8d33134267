CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"post_id" uuid,
	"stream" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dedupe_key" text,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"uncertain" boolean DEFAULT false NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"claimed_until" timestamp with time zone,
	"claim_token" text,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "pacing" (
	"key" text PRIMARY KEY NOT NULL,
	"next_free_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "post_cards" (
	"team_id" text NOT NULL,
	"card_ref" text NOT NULL,
	"post_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "post_cards_team_id_card_ref_pk" PRIMARY KEY("team_id","card_ref")
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "last_error_code" text;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "card_link" text;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "post_cards" ADD CONSTRAINT "post_cards_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe_unique" ON "outbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_card_update_waiting_unique" ON "outbox" USING btree ("post_id") WHERE "outbox"."kind" = 'card_update' and "outbox"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "outbox_open_idx" ON "outbox" USING btree ("team_id","stream","id") WHERE "outbox"."state" in ('pending', 'sending');--> statement-breakpoint
ALTER TABLE "digests" DROP COLUMN "claim_token";--> statement-breakpoint
INSERT INTO "post_cards" ("team_id", "card_ref", "post_id", "created_at") SELECT "team_id", "card_ref", "id", "created_at" FROM "posts" WHERE "card_ref" IS NOT NULL ON CONFLICT DO NOTHING;