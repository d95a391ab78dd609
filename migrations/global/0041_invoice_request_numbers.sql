-- The number a home invoice's request took (issue 20): a migration of its own, after 0040 (which some local databases
-- ran before this column was added to it).
ALTER TABLE `invoice_requests` ADD `number` text;