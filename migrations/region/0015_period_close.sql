CREATE TABLE `ledger_periods` (
	`account_no` text NOT NULL,
	`month` text NOT NULL,
	`opening_kop` integer NOT NULL,
	`closing_kop` integer NOT NULL,
	`charges_kop` integer NOT NULL,
	`payments_kop` integer NOT NULL,
	`refunds_kop` integer NOT NULL,
	`adjustments_kop` integer NOT NULL,
	`promised_kop` integer NOT NULL,
	`bonus_kop` integer NOT NULL,
	`closed_at` integer NOT NULL,
	PRIMARY KEY(`account_no`, `month`),
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
