import { createSignal } from "solid-js";

/**
 * `virtual:pwa-register/solid` exists only inside vite-plugin-pwa's build; under jsdom it resolves here: no service
 * worker, nothing waiting. A test that needs a waiting version mocks this module (see update-prompt.test.tsx).
 */
export function useRegisterSW(_options?: { immediate?: boolean }) {
  return {
    needRefresh: createSignal(false),
    offlineReady: createSignal(false),
    updateServiceWorker: async (_reload?: boolean) => {},
  };
}
