ALTER TABLE `outages` ADD `key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `outages_key_uq` ON `outages` (`key`);