/** Bytes through a (de)compression stream; Response does the reading and the joining. */
async function through(bytes: BodyInit, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Response(bytes).body;
  if (!body) return new Uint8Array();
  return new Uint8Array(await new Response(body.pipeThrough(stream)).arrayBuffer());
}

/** Text gzip'd (CompressionStream, as workerd and browsers have it). */
export function gzipText(text: string): Promise<Uint8Array> {
  return through(text, new CompressionStream("gzip"));
}

/** A gzip'd body (a stream from R2, or bytes) as text. */
export async function gunzipText(body: ReadableStream | Uint8Array | ArrayBuffer): Promise<string> {
  return new TextDecoder().decode(await through(body as BodyInit, new DecompressionStream("gzip")));
}
