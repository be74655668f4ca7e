import { Agent, request } from 'node:http';

export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * Requests a second that `concurrency` keep-alive clients get through one route in
 * `durationMs`, each sending its next request when the previous answer has been read. Any
 * answer other than 2xx stops the load: a refused webhook does not count as handled.
 */
export async function requestsPerSecond(
  url: string,
  call: HttpCall,
  options: { concurrency: number; durationMs: number },
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const headers = {
    ...call.headers,
    ...(call.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(call.body)) }),
  };
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const outgoing = request(url, { method: call.method, headers, agent }, (response) => {
        response.resume();
        response.once('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`${call.method} ${url} answered ${status}`));
        });
      });
      outgoing.once('error', reject);
      outgoing.end(call.body);
    });
  let completed = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const client = async () => {
    while (performance.now() < deadline) {
      await once();
      completed++;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, client));
  } finally {
    agent.destroy();
  }
  return completed / ((performance.now() - started) / 1000);
}
