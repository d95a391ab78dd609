CREATE TABLE `corporate_numbers` (
	`msisdn` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`assignee_kind` text NOT NULL,
	`assignee_name` text NOT NULL,
	`assignee_subscriber_id` text,
	`esia_confirmed` integer DEFAULT false NOT NULL,
	`limit_kop` integer,
	`block_at_limit` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`limit_blocked_month` text,
	`spend_month` text,
	`spend_kop` integer DEFAULT 0 NOT NULL,
	`alert80_month` text,
	`alert100_month` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `corporate_numbers_account_idx` ON `corporate_numbers` (`account_no`);