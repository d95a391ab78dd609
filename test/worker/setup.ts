import { afterAll } from "vitest";
import { endFile, startFile } from "./isolation";

// Every test file starts from new storage, migrated and seeded, whichever file ran before it in this workerd; its
// queue work ends with it.
await startFile();
afterAll(endFile);
