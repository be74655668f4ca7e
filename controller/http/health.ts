import type { FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { apiKeyMatches } from './authentication.js';

/** A readiness check resolves when its dependency is usable and throws (with why) when not. */
export type ReadinessCheck = (signal: AbortSignal) => Promise<void>;

export interface ReadinessRegistry {
  register(name: string, check: ReadinessCheck): void;
  /** Adds facts for operators to the API-key view of /health; they never make it fail. */
  describe(name: string, facts: () => unknown): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: ReadinessRegistry;
  }
}

/** Anonymous callers share one run of the checks at most this often (each costs remote calls). */
const ANONYMOUS_RESULT_TTL_MS = 1_000;

export interface HealthOptions {
  readonly apiKey: string;
  /** How long one check may take before it counts as failed. */
  readonly checkTimeoutMs: number;
}

interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly message?: string;
}

async function runCheck(
  name: string,
  check: ReadinessCheck,
  timeoutMs: number,
): Promise<CheckResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error(`timed out after ${timeoutMs} ms`)), {
      once: true,
    });
  });
  try {
    await Promise.race([check(signal), timedOut]);
    return { name, ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { name, ok: false, ms: Math.round(performance.now() - started), message };
  }
}

const health: FastifyPluginAsync<HealthOptions> = async (app, options) => {
  const checks = new Map<string, ReadinessCheck>();
  const facts = new Map<string, () => unknown>();
  app.decorate('readiness', {
    register(name, check) {
      if (checks.has(name)) throw new Error(`readiness check "${name}" is already registered`);
      checks.set(name, check);
    },
    describe(name, describe) {
      if (facts.has(name)) throw new Error(`health facts "${name}" are already registered`);
      facts.set(name, describe);
    },
  } satisfies ReadinessRegistry);

  // Liveness: the process answers. Containers restart on this, so it checks nothing else.
  app.get('/health/live', async () => ({ status: 'ok' }));

  const runChecks = () =>
    Promise.all([...checks].map(([name, check]) => runCheck(name, check, options.checkTimeoutMs)));
  // The promise is kept, so callers during a run wait for it rather than start another.
  let shared: { readonly startedAt: number; readonly results: Promise<CheckResult[]> } | undefined;
  const sharedResults = () => {
    const now = performance.now();
    if (shared === undefined || now - shared.startedAt >= ANONYMOUS_RESULT_TTL_MS) {
      shared = { startedAt: now, results: runChecks() };
    }
    return shared.results;
  };

  // Readiness: every registered dependency answers. Details only for holders of the API key,
  // who get a fresh run; anyone else gets the last second's, so a flood costs no remote calls.
  app.get('/health', { onRequest: [app.limitByIp] }, async (request, reply) => {
    const presented = request.headers['x-api-key'];
    const detailed = typeof presented === 'string' && apiKeyMatches(options.apiKey, presented);
    const results = await (detailed ? runChecks() : sharedResults());
    const failing = results.filter((result) => !result.ok);
    const details = detailed
      ? {
          checks: results,
          ...(facts.size === 0
            ? {}
            : {
                facts: Object.fromEntries([...facts].map(([name, describe]) => [name, describe()])),
              }),
        }
      : {};
    if (failing.length === 0) return { status: 'ok', ...details };
    for (const result of failing) {
      request.log.warn({ check: result.name, reason: result.message }, 'readiness check failed');
    }
    const names = failing.map((result) => result.name);
    return reply.code(503).send({
      status: 'unavailable',
      failing: names,
      error: { code: 'not_ready', message: `Readiness check failed: ${names.join(', ')}` },
      ...details,
    });
  });
};

export const healthPlugin = fastifyPlugin(health, {
  name: 'health',
  fastify: '5.x',
  dependencies: ['rate-limits'],
});
