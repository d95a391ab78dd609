-- The contacts on the contract move to the account's own row (issue 20): the global directory's copies are emptied by
-- the backfill once these hold them (platform/contract-contacts.ts).
ALTER TABLE `accounts` ADD `contact_phone` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `contact_email` text;