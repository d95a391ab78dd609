/** True only where development helpers may exist (local runs and tests): `DEV_MODE = "true"`. */
export const isDevMode = (vars: { readonly DEV_MODE?: unknown }) => vars.DEV_MODE === "true";
