-- Where an account is (issue 20): a copy of the global directory by account number, in the identity store the number's
-- key hashes to (platform/places.ts). WITHOUT ROWID (by hand: drizzle has no table option for it): the number is the
-- table's b-tree, not stored a second time in an index.
CREATE TABLE `account_places` (
	`account_no` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`shard` text NOT NULL,
	`moving` text,
	`as_of` integer NOT NULL
) WITHOUT ROWID;
