-- The links by subscriber, in the subscriber's home shard (issue 20: the links leave the global database).
-- WITHOUT ROWID (by hand: drizzle has no table option for it): the subscriber's id and the account's number are the
-- table's b-tree. Not an account's table (a shard move does not carry it): it holds the subscriber's rows, not the
-- account's, and names no shard.
CREATE TABLE `subscriber_links` (
	`subscriber_id` text NOT NULL,
	`account_no` text NOT NULL,
	`role` text NOT NULL,
	`low_balance_kop` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`subscriber_id`, `account_no`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Where housekeeping's sweeps of this shard got to (the home links checked against the global links).
CREATE TABLE `sweep_cursors` (
	`sweep` text PRIMARY KEY NOT NULL,
	`after_subscriber` text NOT NULL,
	`after_account` text NOT NULL,
	`updated_at` integer NOT NULL
);
