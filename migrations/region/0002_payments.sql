CREATE TABLE `autopay` (
	`account_no` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`card_id` text NOT NULL,
	`mode` text NOT NULL,
	`threshold_kop` integer,
	`day_of_month` integer,
	`amount_kop` integer NOT NULL,
	`monthly_limit_kop` integer NOT NULL,
	`status` text NOT NULL,
	`cycle` text,
	`notice_at` integer,
	`charge_after` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_result` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `payment_events` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_id` text NOT NULL,
	`event_id` text,
	`source` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`applied` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_events_event_uq` ON `payment_events` (`event_id`);--> statement-breakpoint
CREATE INDEX `payment_events_payment_idx` ON `payment_events` (`payment_id`,`at`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`payer_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`purpose` text NOT NULL,
	`amount_kop` integer NOT NULL,
	`status` text NOT NULL,
	`acquirer_payment_id` text,
	`save_card` integer DEFAULT false NOT NULL,
	`card_id` text,
	`card_last4` text,
	`card_brand` text,
	`failure_code` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_idempotency_uq` ON `payments` (`payer_id`,`idempotency_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `payments_acquirer_uq` ON `payments` (`acquirer_payment_id`);--> statement-breakpoint
CREATE INDEX `payments_account_idx` ON `payments` (`account_no`,`created_at`);--> statement-breakpoint
CREATE TABLE `promised_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`amount_kop` integer NOT NULL,
	`status` text NOT NULL,
	`taken_at` integer NOT NULL,
	`due_at` integer NOT NULL,
	`settled_at` integer,
	`settled_by` text,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `promised_account_idx` ON `promised_payments` (`account_no`,`status`);--> statement-breakpoint
CREATE INDEX `promised_due_idx` ON `promised_payments` (`status`,`due_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `promised_one_open_uq` ON `promised_payments` (`account_no`) WHERE status = 'active';--> statement-breakpoint
CREATE TABLE `receipts` (
	`payment_id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`number` text NOT NULL,
	`issued_at` integer NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `receipts_number_uq` ON `receipts` (`number`);--> statement-breakpoint
CREATE INDEX `receipts_account_idx` ON `receipts` (`account_no`,`issued_at`);--> statement-breakpoint
-- The payment audit trail is append-only, like the ledger.
CREATE TRIGGER payment_events_no_update BEFORE UPDATE ON payment_events
BEGIN
  SELECT RAISE(ABORT, 'payment_events is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER payment_events_no_delete BEFORE DELETE ON payment_events
BEGIN
  SELECT RAISE(ABORT, 'payment_events is append-only');
END;
