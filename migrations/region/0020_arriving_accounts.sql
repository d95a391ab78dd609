CREATE TABLE `arriving_accounts` (
	`account_no` text PRIMARY KEY NOT NULL,
	`move_id` text NOT NULL,
	`since` integer NOT NULL
);
