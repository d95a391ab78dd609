import type { DataAccess } from "./platform/db";
import type { HostKind } from "./platform/host";
import type { Lang } from "./platform/i18n";
import type { OperatorInfo } from "./platform/operator";
import type { Region } from "./platform/region";
import type { SessionInfo } from "./platform/session";

/** Bindings come from `wrangler types` (worker-configuration.d.ts); variables are set by middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    lang: Lang;
    host: HostKind;
    /** The region of the subdomain; null on the apex. */
    region: Region | null;
    data: DataAccess;
    /** The signed-in subscriber's session, or null. */
    session: SessionInfo | null;
    /** The signed-in support operator (console routes only). */
    operator?: OperatorInfo;
  };
}
