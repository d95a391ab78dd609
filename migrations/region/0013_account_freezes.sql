CREATE TABLE `account_freezes` (
	`account_no` text PRIMARY KEY NOT NULL,
	`move_id` text NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL
);
