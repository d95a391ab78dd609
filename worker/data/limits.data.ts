/**
 * Abuse limits and quotas: how many attempts or uses each scope allows and
 * for how long (data, shared with the web app's texts; enforced by
 * platform/throttle.ts, a Durable Object per key). `freeFailures` attempts go
 * at once, then each next waits 2^(n - free) s after the previous one; the
 * `lockAfter`-th locks the key for `lockMs`. A quota has free = lockAfter:
 * that many uses a window. A key's count is deleted when its window is over.
 */
export const POLICY = {
  identifier: { freeFailures: 3, lockAfter: 10, lockMs: 15 * 60 * 1000 },
  address: { freeFailures: 20, lockAfter: 50, lockMs: 60 * 60 * 1000 },
  /** Step-up codes of a logged-in subscriber (their own key: a stranger's wrong passwords do not block a payment). */
  step_up: { freeFailures: 3, lockAfter: 10, lockMs: 15 * 60 * 1000 },
  /** Codes a logged-in subscriber confirms (relatives' account linking, a new phone or email): per subscriber. */
  confirm: { freeFailures: 3, lockAfter: 10, lockMs: 15 * 60 * 1000 },
  /** Codes sent at one client's request, whatever the identifiers: against SMS pumping. */
  codes: { freeFailures: 20, lockAfter: 20, lockMs: 60 * 60 * 1000 },
  /** One code a minute per target (identifier, contract, subscriber). */
  resend: { freeFailures: 1, lockAfter: 1, lockMs: 60 * 1000 },
  /** Support chats visitors (no login) start from one client address. */
  chats: { freeFailures: 5, lockAfter: 5, lockMs: 60 * 60 * 1000 },
  /** Call-back requests («Перезвоните мне») a subscriber, or a visitor's address, asks for a day (one open at a time). */
  callbacks: { freeFailures: 5, lockAfter: 5, lockMs: 24 * 60 * 60 * 1000 },
  /** Feedback forms sent from one client address. */
  feedback: { freeFailures: 10, lockAfter: 10, lockMs: 60 * 60 * 1000 },
  /** Applications (заявки) a subscriber files a day: each is work for people. */
  applications: { freeFailures: 20, lockAfter: 20, lockMs: 24 * 60 * 60 * 1000 },
  /** Requests (обращения) a subscriber files a day. */
  tickets: { freeFailures: 10, lockAfter: 10, lockMs: 24 * 60 * 60 * 1000 },
  /** Usage-detail reports a subscriber orders an hour. */
  reports: { freeFailures: 10, lockAfter: 10, lockMs: 60 * 60 * 1000 },
  /** Line checks (проверка линии) a subscriber runs an hour: each asks the network's switch and access server. */
  line_checks: { freeFailures: 10, lockAfter: 10, lockMs: 60 * 60 * 1000 },
  /** Messages one side of a chat sends a minute. */
  messages: { freeFailures: 20, lockAfter: 20, lockMs: 60 * 1000 },
} as const;

/**
 * Storm mode of the password login (issue 21): when a site's failed password
 * logins (wrong, unknown or refused) reach `onAt` within `windowMs`, every
 * password login there must carry a solved proof of work (the ALTCHA of the
 * recovery form), checked before any database read or password hash; it ends
 * when fewer than `offBelow` failed within the last `windowMs`. Counted in
 * `bucketMs` steps by one Throttle object per site; each isolate reports its
 * failures and reads the state at most every `viewMs`.
 */
export const LOGIN_STORM = { windowMs: 60_000, bucketMs: 5_000, onAt: 100, offBelow: 20, viewMs: 1_000 } as const;

/**
 * The sign-in rows' backfill (features/auth/sign-ins.backfill.ts). `page`: subscribers a message — their read, three
 * statements for each home shard among them (the owners' links, the rows, and under GLOBAL_PASSWORDS = "drop" the
 * read-back of their records: 750 at worst), the directory's read of the owned accounts, one for each identity store,
 * the global marks, the cursor and the lease, within an invocation's 1,000 queries; at about a message a second, 15 M
 * subscribers in 17 hours. `staleMs`: a chain
 * quiet this long is taken over by the next hourly cron.
 */
export const SIGN_IN_BACKFILL = { page: 250, staleMs: 30 * 60_000 } as const;

/**
 * The contracts' contacts' backfill (features/accounts/contract-contacts.backfill.ts). `page`: directory rows a message
 * — their read, a batch of two statements for each shard among them (600 at worst), one statement for each identity
 * store, the directory's write, the cursor and the lease, within an invocation's 1,000 queries; at about a message a
 * second, 63 M accounts in 2.4 days. `staleMs`: a chain quiet this long is taken over by the next hourly cron.
 */
export const CONTRACT_CONTACTS_BACKFILL = { page: 300, staleMs: 30 * 60_000 } as const;

/**
 * The accounts' places' backfill (features/accounts/places.backfill.ts). `page`: directory rows a message — their read,
 * a batch of two statements (the copies, read back) for each identity store (8 in production), the directory's delete
 * of those that may go (one statement, five indexed look-ups a row), the cursor and the lease: a few dozen queries, the page
 * bounded by the JSON parameter (about 40 bytes a row, 40 KB) and the statements' time; at about a message a second, 63 M
 * accounts in 17.5 hours. `staleMs`: a chain quiet this long is taken over by the next hourly cron.
 */
export const ACCOUNT_PLACES_BACKFILL = { page: 1_000, staleMs: 30 * 60_000 } as const;

/**
 * The accounts' holder rows' backfill (features/accounts/holders.backfill.ts). `page`: global links a message — their
 * read, a batch of two statements for each shard among them (300 at worst), their read again, a batch of two (settle,
 * delete) for each shard it copied to (300 at worst), the cursor and the lease: under 610 of an invocation's 1,000
 * queries; at about a message a second, 69 M links in 5.3 days. `staleMs`: a chain quiet this long is taken over by the next hourly cron.
 */
export const HOLDERS_BACKFILL = { page: 150, staleMs: 30 * 60_000 } as const;

/**
 * The subscribers' home links' backfill (features/accounts/links.backfill.ts). `page`: global links a message — their
 * read, a statement for each home shard among them (150 at worst), their read again, a batch of two (refresh, delete)
 * for each home shard it copied to (300 at worst), a forget of the copy of each subscriber it copied for (150 at worst),
 * the cursor and the lease: under 610 of an invocation's 1,000 queries; at about a message a second, 69 M links in 5.3
 * days. `staleMs`: a chain quiet this long is taken over by the next hourly cron.
 */
export const LINKS_BACKFILL = { page: 150, staleMs: 30 * 60_000 } as const;
