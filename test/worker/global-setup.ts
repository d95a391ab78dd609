import type { TestProject } from "vitest/node";
import { startIdentityProvider } from "../../scripts/demo-idp.mts";
import { buildSeed, demoPeriods, type SeedSql } from "../../worker/db/seed/seed";

declare module "vitest" {
  export interface ProvidedContext {
    oidcIssuer: string;
    /** The demo data set as SQL (~2,000 multi-row statements) and the last day of its history (test/worker/setup.ts loads it). */
    demoSeed: SeedSql & { historyTo: string };
  }
}

let stop: (() => Promise<void>) | undefined;

export async function setup(project: TestProject) {
  const mock = await startIdentityProvider();
  stop = mock.stop;
  project.provide("oidcIssuer", mock.issuer);
  project.provide("demoSeed", { historyTo: demoPeriods().historyTo, ...(await buildSeed()) });
}

export async function teardown() {
  await stop?.();
}
