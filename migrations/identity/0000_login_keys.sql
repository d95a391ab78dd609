-- WITHOUT ROWID (by hand: drizzle has no table option for it): the key is the table's b-tree, not stored a second time in
-- an index of its own. An identity store is nothing but keys.
CREATE TABLE `login_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`home_shard` text NOT NULL,
	`created_at` integer NOT NULL
) WITHOUT ROWID;
