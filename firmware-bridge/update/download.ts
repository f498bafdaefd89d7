/** GET a release tarball, refusing more than `maxBytes` (the signed size) without reading it all into memory first. */
export async function downloadLimited(url: string, maxBytes: number, timeoutMs = 10 * 60_000): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok || !res.body) throw Object.assign(new Error(`HTTP ${res.status}`), { reason: 'download' });
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.length;
    if (total > maxBytes)
      throw Object.assign(new Error(`more than the signed ${maxBytes} bytes`), { reason: 'too-large' });
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
