import { startFile } from "./isolation";

// Every test file starts from new storage, migrated and seeded, whichever file ran before it in this workerd.
await startFile();
