ALTER TABLE "deliveries" ADD COLUMN "claim_token" text;--> statement-breakpoint
ALTER TABLE "digests" ADD COLUMN "claim_token" text;