import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../harness/free-port.js';
import { type ManagedChild, startChild } from './child-process.js';

export interface LivekitServerOptions {
  /** The binary `npm run livekit:build` made. */
  readonly binary: string;
  /** `host:port` of the Redis every node and egress worker share. */
  readonly redisAddress: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Where it sends webhooks, signed with `apiKey`; absent: none. */
  readonly webhookUrl?: string;
  /** `room.empty_timeout` / `departure_timeout` in seconds (absent: LiveKit's defaults). */
  readonly emptyTimeoutS?: number;
  readonly departureTimeoutS?: number;
  /** The HTTP/WebSocket port (`npm run local`'s conventional 7880); absent: a free one. */
  readonly port?: number;
}

export interface LivekitServer {
  /** `http://127.0.0.1:<port>`, what LIVEKIT_URL takes. */
  readonly url: string;
  readonly nodeId: string;
  /** Everything it printed lately, for a failing test's message. */
  output(): string;
  /** SIGTERM (LiveKit drains its rooms), SIGKILL after the grace. */
  stop(): Promise<void>;
}

interface Ports {
  readonly http: number;
  readonly rtcTcp: number;
  readonly rtcUdp: number;
}

/**
 * The node's configuration. Media stays on loopback: the only interface and address it uses is
 * 127.0.0.1, advertised as is (no STUN), with one UDP port (`udp_port`, a mux) and ICE over TCP.
 */
function livekitYaml(options: LivekitServerOptions, ports: Ports): string {
  return stringify({
    port: ports.http,
    bind_addresses: ['127.0.0.1'],
    rtc: {
      tcp_port: ports.rtcTcp,
      udp_port: ports.rtcUdp,
      use_external_ip: false,
      node_ip: '127.0.0.1',
      enable_loopback_candidate: true,
      ips: { includes: ['127.0.0.1/32'] },
    },
    redis: { address: options.redisAddress },
    keys: { [options.apiKey]: options.apiSecret },
    ...(options.webhookUrl === undefined
      ? {}
      : { webhook: { api_key: options.apiKey, urls: [options.webhookUrl] } }),
    room: {
      ...(options.emptyTimeoutS === undefined ? {} : { empty_timeout: options.emptyTimeoutS }),
      ...(options.departureTimeoutS === undefined
        ? {}
        : { departure_timeout: options.departureTimeoutS }),
    },
    logging: { level: 'info', json: true },
  });
}

async function serves(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function startOnce(
  options: LivekitServerOptions,
  dir: string,
): Promise<{ child: ManagedChild; url: string; nodeId: string }> {
  const ports: Ports = {
    http: options.port ?? (await freePort()),
    rtcTcp: await freePort(),
    rtcUdp: await freePort(),
  };
  const configFile = join(dir, 'livekit.yaml');
  await writeFile(configFile, livekitYaml(options, ports), { mode: 0o600 });
  const { child, ready: nodeId } = await startChild({
    name: 'livekit-server',
    command: options.binary,
    args: ['--config', configFile],
    readyWhen: (line) => /"msg":"starting LiveKit server".*"nodeID":"([^"]+)"/.exec(line)?.[1],
    timeoutMs: 30_000,
  });
  const url = `http://127.0.0.1:${ports.http}`;
  // The start line comes just before it listens.
  const deadline = Date.now() + 15_000;
  while (!(await serves(url))) {
    if (child.process.exitCode !== null || Date.now() > deadline) {
      await child.stop('SIGKILL');
      throw new Error(`livekit-server never served ${url}:\n${child.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url, nodeId };
}

/**
 * livekit-server's words when a port is taken (Go's net.Listen), as the error Node gives for
 * its own listeners, `EADDRINUSE` with the port, so a caller that handles one handles both.
 */
function asPortTaken(error: unknown): unknown {
  const message = error instanceof Error ? error.message : '';
  const port = /listen (?:tcp|udp) [^\s]*:(\d+): bind: address already in use/.exec(message)?.[1];
  if (port === undefined) return error;
  return Object.assign(
    new Error(`livekit-server: listen EADDRINUSE: address already in use 127.0.0.1:${port}`, {
      cause: error,
    }),
    { code: 'EADDRINUSE', port: Number(port) },
  );
}

/**
 * Starts one livekit-server node on free loopback ports, with a generated livekit.yaml. A port
 * it picked and another socket took before the bind makes it exit; it then tries fresh ports.
 * A taken `port` of the caller's is the caller's to replace: it fails with EADDRINUSE at once.
 */
export async function startLivekitServer(options: LivekitServerOptions): Promise<LivekitServer> {
  const dir = await mkdtemp(join(tmpdir(), 'livekit-server-'));
  let started: Awaited<ReturnType<typeof startOnce>> | undefined;
  for (let attempt = 1; started === undefined; attempt++) {
    try {
      started = await startOnce(options, dir);
    } catch (caught) {
      const error = asPortTaken(caught);
      const callersPort =
        options.port !== undefined && (error as { port?: unknown }).port === options.port;
      if (attempt === 3 || callersPort) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const { child, url, nodeId } = started;
  return {
    url,
    nodeId,
    output: child.output,
    async stop() {
      await child.stop('SIGTERM', 5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
