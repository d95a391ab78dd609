/**
 * The years of invoice numbers the global `invoice_numbers` keeps before this one (issue 20): housekeeping deletes the
 * numbers of earlier years along the key (their year is in them), so the bank import no longer finds those invoices by
 * number (a transfer naming one goes to the operators' queue, who assign it by hand; past the three-year limitation
 * period of a claim). The invoices themselves stay on their home shards. Read by scripts/capacity.mts too.
 */
export const INVOICE_NUMBER_YEARS = 3;
