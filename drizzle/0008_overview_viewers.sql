CREATE TABLE "overview_viewers" (
	"team_id" text NOT NULL,
	"viewer" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	CONSTRAINT "overview_viewers_team_id_viewer_pk" PRIMARY KEY("team_id","viewer")
);
--> statement-breakpoint
CREATE INDEX "overview_viewers_viewer_idx" ON "overview_viewers" USING btree ("viewer");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_overview_update_waiting_unique" ON "outbox" USING btree ("team_id") WHERE "outbox"."kind" = 'overview_update' and "outbox"."state" = 'pending';