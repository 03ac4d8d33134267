ALTER TABLE "deliveries" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "deliveries_target_due_idx" ON "deliveries" USING btree ("target_id","next_attempt_at") WHERE "deliveries"."state" = 'scheduled';--> statement-breakpoint
CREATE INDEX "deliveries_published_idx" ON "deliveries" USING btree ("published_at") WHERE "deliveries"."state" = 'published';