/**
 * HTTP GET into memory with global fetch (Node 20). The timeout is an idle timeout: it fires
 * when no byte has arrived for `timeoutMs`, so a slow but moving 300 MB download still finishes.
 */
export type FetchFunction = typeof globalThis.fetch;

export interface DownloadOptions {
  readonly fetch?: FetchFunction;
  /** Abort when the server is silent this long (connect, headers or body). Default 30 000. */
  readonly timeoutMs?: number;
  /** Called as bytes arrive; `total` is undefined without a Content-Length. */
  readonly onProgress?: (received: number, total: number | undefined) => void;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** "fetch failed (ECONNREFUSED 127.0.0.1:9)" rather than Node's bare "fetch failed". */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail && !error.message.includes(detail) ? `${error.message} (${cause?.message ?? detail})` : error.message;
}

export async function download(url: string, options: DownloadOptions = {}): Promise<Buffer> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no data for ${timeoutMs} ms`)), timeoutMs);
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${timeoutMs} ms`)), timeoutMs);
  };
  try {
    const response = await fetchImpl(url, { signal: controller.signal, redirect: 'follow' });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    const lengthHeader = response.headers.get('content-length');
    const total = lengthHeader ? Number(lengthHeader) : undefined;
    if (!response.body) return Buffer.from(await response.arrayBuffer());
    const chunks: Buffer[] = [];
    let received = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      touch();
      chunks.push(Buffer.from(value));
      received += value.byteLength;
      options.onProgress?.(received, total);
    }
    if (total !== undefined && received !== total) throw new Error(`connection closed after ${received} of ${total} bytes`);
    return Buffer.concat(chunks, received);
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason instanceof Error) throw controller.signal.reason;
    throw new Error(describeFetchError(error), { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** GET a JSON document (registry metadata). */
export async function downloadJson(url: string, options: DownloadOptions = {}): Promise<unknown> {
  const bytes = await download(url, { ...options, onProgress: undefined });
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new Error(`${url} did not return JSON`, { cause });
  }
}
