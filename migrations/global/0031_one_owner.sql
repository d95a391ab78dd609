-- One owner an account. Two registrations finishing at the same moment (by the contract's phone and by its e-mail)
-- could both read no owner and both link as one. Such an extra owner (the later link) becomes a payer first: they keep
-- seeing and paying the account, and the account keeps the owner who registered it first.
UPDATE `account_links` SET `role` = 'payer'
WHERE `role` = 'owner' AND EXISTS (
  SELECT 1 FROM `account_links` AS `o`
  WHERE `o`.`account_no` = `account_links`.`account_no` AND `o`.`role` = 'owner'
    AND (`o`.`created_at` < `account_links`.`created_at`
      OR (`o`.`created_at` = `account_links`.`created_at` AND `o`.`subscriber_id` < `account_links`.`subscriber_id`))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `account_links_one_owner_uq` ON `account_links` (`account_no`) WHERE role = 'owner';
