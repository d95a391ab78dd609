/** The accounts list's search form as the screen keeps it (the query string is made from it). */
export interface AccountFilter {
  q: string;
  region: string;
  status: "" | "active" | "blocked" | "closed";
  negative: boolean;
  sort: "site" | "accountNo" | "balance" | "monthly";
  order: "asc" | "desc";
}
export const NO_FILTER: AccountFilter = { q: "", region: "", status: "", negative: false, sort: "site", order: "asc" };

/** The filter's non-default parts as query parameters (the same for the list and its export). */
export function filterQuery(f: AccountFilter): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set("q", f.q.trim());
  if (f.region) p.set("region", f.region);
  if (f.status) p.set("status", f.status);
  if (f.negative) p.set("negative", "true");
  if (f.sort !== "site") p.set("sort", f.sort);
  if (f.order !== "asc") p.set("order", f.order);
  return p;
}
