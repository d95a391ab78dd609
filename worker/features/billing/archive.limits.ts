/**
 * Months of money an account keeps in D1 at least, besides the current one: a year goes to R2 once its December is
 * more than this many months before the current month (billing/archive.service.ts), so D1 keeps 37 to 48 months.
 * Plain figures, free of Worker-only imports: `npm run capacity` reads them too.
 */
export const ARCHIVE_AFTER_MONTHS = 36;
/** The most months of money D1 keeps of an account: the 36, the current one, and up to 11 before a year can go. */
export const MONEY_KEPT_MONTHS = ARCHIVE_AFTER_MONTHS + 12;
