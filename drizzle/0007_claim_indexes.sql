DROP INDEX "outbox_open_idx";--> statement-breakpoint
DROP INDEX "deliveries_due_idx";--> statement-breakpoint
CREATE INDEX "outbox_open_stream_idx" ON "outbox" USING btree ("stream","id") WHERE "outbox"."state" in ('pending', 'sending');--> statement-breakpoint
CREATE INDEX "outbox_open_order_idx" ON "outbox" USING btree ("team_id","id") WHERE "outbox"."state" in ('pending', 'sending');--> statement-breakpoint
CREATE INDEX "deliveries_due_idx" ON "deliveries" USING btree ("next_attempt_at","id") WHERE "deliveries"."state" = 'scheduled';