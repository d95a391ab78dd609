/**
 * The years of invoice numbers the global `invoice_numbers` keeps before the year of the oldest payment an upload still
 * imports (a year back: features/bank/bank.limits.ts), issue 20: housekeeping deletes the numbers of earlier years along
 * the key (their year is in them), so the bank import no longer finds those invoices by number (a transfer naming one is
 * matched as one naming no invoice: by an account number or the payer's ИНН, else the operators' queue; past the
 * three-year limitation period of a claim). The invoices themselves stay on their home shards. Read by
 * scripts/capacity.mts too.
 */
export const INVOICE_NUMBER_YEARS = 3;
