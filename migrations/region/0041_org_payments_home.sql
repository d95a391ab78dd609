CREATE TABLE `org_payment_lines` (
	`payment_id` text NOT NULL,
	`account_no` text NOT NULL,
	`amount_kop` integer NOT NULL,
	`credited_at` integer,
	PRIMARY KEY(`payment_id`, `account_no`)
);
--> statement-breakpoint
CREATE TABLE `org_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`payer_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`amount_kop` integer NOT NULL,
	`method` text NOT NULL,
	`status` text NOT NULL,
	`acquirer_payment_id` text,
	`card_last4` text,
	`card_brand` text,
	`failure_code` text,
	`address` text,
	`receipt` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`credited_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `org_payments_idem_uq` ON `org_payments` (`payer_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `org_payments_org_idx` ON `org_payments` (`org_id`,`created_at`);