/**
 * How long the bank statement import keeps its lines (issue 20), as numbers the capacity model reads too
 * (scripts/capacity.mts imports no Worker code).
 */

/**
 * A statement's incoming payment dated more than this many days before the upload is not imported: counted in the
 * upload's answer (`tooOld`) for the operators to handle by hand. A statement is uploaded within days; one a year
 * old is a repeat, and the line it would bring back may already have been deleted below.
 */
export const BANK_LINE_MAX_AGE_DAYS = 365;

/**
 * A line is deleted this many days after it was imported and after it was credited (housekeeping), once its payment's
 * date is also past `BANK_LINE_MAX_AGE_DAYS` (one dated in the future waits), and an upload once it has no line left:
 * a deleted line can never be imported again. Its ledger entries, audit entry and invoice payment stay where they are.
 */
export const BANK_LINE_RETENTION_DAYS = 400;
