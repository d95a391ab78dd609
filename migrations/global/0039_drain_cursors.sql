CREATE TABLE `drain_cursors` (
	`plan` text PRIMARY KEY NOT NULL,
	`after` integer NOT NULL,
	`updated_at` integer NOT NULL
);
