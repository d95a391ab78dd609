CREATE TABLE `session_links` (
	`subscriber_id` text PRIMARY KEY NOT NULL,
	`gen` integer DEFAULT 0 NOT NULL,
	`links` text,
	`filled_at` integer
);
