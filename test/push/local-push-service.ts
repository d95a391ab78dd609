/**
 * A local push service, as a browser vendor runs one (FCM, Mozilla autopush):
 * HTTPS, one URL per subscription; it checks the VAPID JWT against the key the
 * browser subscribed with, refuses a bad one, and decrypts the aes128gcm body
 * with the browser's keys, exactly what reaches the service worker. Unknown
 * subscriptions answer 410 Gone. Used by the browser tests and the benchmark.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { generate } from "selfsigned";
import { type BrowserKeys, type Received, receive } from "./webpush-receiver";

/** A self-signed certificate for 127.0.0.1 that is its own CA: wrangler (workerd) trusts it through NODE_EXTRA_CA_CERTS. */
export async function tlsIdentity(dir: string): Promise<{ certFile: string; keyFile: string }> {
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, "push-ca.pem");
  const keyFile = join(dir, "push-key.pem");
  const pems = await generate([{ name: "commonName", value: "Kabinet local push service" }], {
    keyType: "ec",
    curve: "P-256",
    notAfterDate: new Date(Date.now() + 7 * 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  await writeFile(certFile, pems.cert);
  await writeFile(keyFile, pems.private);
  return { certFile, keyFile };
}

export interface LocalPushService {
  origin: string;
  /** A subscription's endpoint for these browser keys. */
  register(id: string, keys: BrowserKeys): string;
  received: (Received & { id: string; at: number })[];
  stop(): Promise<void>;
}

export async function startPushService(
  tls: { certFile: string; keyFile: string },
  vapidPublicKey: string,
  port = 0,
): Promise<LocalPushService> {
  const subscriptions = new Map<string, BrowserKeys>();
  const received: LocalPushService["received"] = [];
  const server = createServer({ cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) }, async (req, res) => {
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? "")?.[1];
    const keys = id ? subscriptions.get(id) : undefined;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== "POST" || !id || !keys) {
      res.writeHead(id ? 410 : 404).end();
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new Request(`https://127.0.0.1:${(server.address() as AddressInfo).port}${req.url}`, {
      method: "POST",
      headers,
      body: Buffer.concat(chunks),
    });
    const r = await receive(request, keys, vapidPublicKey);
    received.push({ ...r, id, at: Date.now() });
    res.writeHead(r.status, r.status === 201 ? { location: `/message/${received.length}` } : {}).end(r.error ?? "");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    register(id, keys) {
      subscriptions.set(id, keys);
      return `${origin}/push/${id}`;
    },
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
