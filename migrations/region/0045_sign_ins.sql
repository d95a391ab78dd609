-- WITHOUT ROWID (by hand: drizzle has no table option for it): the subscriber's id is the table's b-tree, not stored a
-- second time in an index of its own.
CREATE TABLE `sign_ins` (
	`subscriber_id` text PRIMARY KEY NOT NULL,
	`display_name` text NOT NULL,
	`phone` text,
	`email` text,
	`login` text,
	`password_hash` text,
	`password_at` integer NOT NULL,
	`updated_at` integer NOT NULL
) WITHOUT ROWID;
