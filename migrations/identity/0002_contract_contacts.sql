-- The contracts a phone or e-mail is the contact of (issue 20): an index of the accounts' rows in their shards, by
-- contact, instead of the global directory's two indexes. WITHOUT ROWID: the key is the row.
CREATE TABLE `contract_contacts` (
	`contact` text NOT NULL,
	`account_no` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`contact`, `account_no`)
) WITHOUT ROWID;
