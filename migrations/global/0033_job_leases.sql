CREATE TABLE `job_leases` (
	`name` text PRIMARY KEY NOT NULL,
	`run` text NOT NULL,
	`beat_at` integer NOT NULL
);
