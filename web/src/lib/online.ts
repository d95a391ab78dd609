import { type Accessor, createSignal, onCleanup } from "solid-js";

/** Whether the browser says it is online, kept up to date. */
export function useOnline(): Accessor<boolean> {
  const [online, setOnline] = createSignal(typeof navigator === "undefined" ? true : navigator.onLine);
  const on = () => setOnline(true);
  const off = () => setOnline(false);
  window.addEventListener("online", on);
  window.addEventListener("offline", off);
  onCleanup(() => {
    window.removeEventListener("online", on);
    window.removeEventListener("offline", off);
  });
  return online;
}
