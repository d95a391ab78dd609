import type { Resource } from "solid-js";

/**
 * A resource's latest value, or undefined while it has none or after its load failed. Solid's `.latest` rethrows a
 * failed load's error: read beside a `Loadable` (a list of options, a memo), it escaped the screen's "no network"
 * state and broke the whole screen offline.
 */
export function latestOf<T>(resource: Resource<T>): T | undefined {
  return resource.state === "errored" ? undefined : resource.latest;
}
