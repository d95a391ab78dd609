import type { TestProject } from "vitest/node";
import { startIdentityProvider } from "../../scripts/demo-idp.mts";

declare module "vitest" {
  export interface ProvidedContext {
    oidcIssuer: string;
  }
}

let stop: (() => Promise<void>) | undefined;

export async function setup(project: TestProject) {
  const mock = await startIdentityProvider();
  stop = mock.stop;
  project.provide("oidcIssuer", mock.issuer);
}

export async function teardown() {
  await stop?.();
}
