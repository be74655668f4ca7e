import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';

let stack: RecordingStack;
let controller: RunningController;

beforeAll(async () => {
  stack = await RecordingStack.start();
  controller = await stack.startController();
});

afterAll(async () => {
  await stack?.stop();
});

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3 document that lists every route', async () => {
    const response = await fetch(`${controller.base}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    await SwaggerParser.validate(structuredClone(document) as never);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /health',
        'GET /health/live',
        'GET /metrics',
        'GET /recordings',
        'DELETE /recordings/{roomKey}/{recordingId}',
        'POST /recordings/start',
        'POST /recordings/stop',
        'POST /token',
        'POST /webhooks/livekit',
      ].sort(),
    );
  });

  it('describes the request body of POST /token from its schema', async () => {
    const document = (await (await fetch(`${controller.base}/openapi.json`)).json()) as {
      paths: Record<
        string,
        {
          post?: { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } };
        }
      >;
    };
    const body = document.paths['/token']?.post?.requestBody?.content['application/json']?.schema;
    expect(body?.required).toEqual(['roomUrl']);
  });
});
