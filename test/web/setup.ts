import { configure } from "@solidjs/testing-library";

// Whole screens render in jsdom while `npm test` runs the Worker and browser suites beside this one on the same
// cores: a `findBy…`/`waitFor` waits up to 5 s for what a person would see (testing-library's default is 1 s).
configure({ asyncUtilTimeout: 5_000 });
