import { afterAll, beforeEach } from "vitest";
import { endFile, forgetLogs, printLogsOfFailedTest, startFile } from "./isolation";

// Every test file starts from new storage, migrated and seeded, whichever file ran before it in this workerd; its
// queue work ends with it.
await startFile();
afterAll(endFile);

// The Worker's log lines stay in the isolate unless the test fails (test/worker/isolation.ts).
beforeEach(({ onTestFailed }) => {
  forgetLogs();
  onTestFailed(printLogsOfFailedTest);
});
