/**
 * The Workers types the usage benchmark's Worker modules name, for the Node
 * type check: the module build of @cloudflare/workers-types (no globals, so no
 * clash with the DOM's), as the globals worker-configuration.d.ts gives the Worker.
 */
type R2Bucket = import("@cloudflare/workers-types").R2Bucket;
type D1Database = import("@cloudflare/workers-types").D1Database;
type MessageBatch<T = unknown> = import("@cloudflare/workers-types").MessageBatch<T>;
type Fetcher = import("@cloudflare/workers-types").Fetcher;
type D1PreparedStatement = import("@cloudflare/workers-types").D1PreparedStatement;
type D1Result<T = unknown> = import("@cloudflare/workers-types").D1Result<T>;
type D1Meta = import("@cloudflare/workers-types").D1Meta;
type AnalyticsEngineDataset = import("@cloudflare/workers-types").AnalyticsEngineDataset;
type Queue<T = unknown> = import("@cloudflare/workers-types").Queue<T>;
type DurableObjectNamespace = import("@cloudflare/workers-types").DurableObjectNamespace;
/** What the benchmark's Worker modules read of the environment: the D1 and R2 bindings. */
type Env = { FILES: R2Bucket } & Record<string, D1Database>;
type R2ObjectBody = import("@cloudflare/workers-types").R2ObjectBody;
