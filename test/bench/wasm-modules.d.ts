/**
 * kdf.worker.ts runs in workerd, where wrangler makes a `.wasm` import a
 * compiled module (as worker-configuration.d.ts declares for the Worker);
 * this tells the Node type check the same.
 */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
