import type { FastifyError, FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, httpErrors } from '../errors.js';

/** What every failure answers: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

const FASTIFY_ERRORS: Readonly<Record<string, { code: string; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'payload_too_large',
    message: 'The request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: 'Send the body as application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'invalid_json',
    message: 'The body is empty but Content-Type says JSON',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json', message: 'The body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'invalid_content_length',
    message: 'Content-Length does not match the body',
  },
};

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

interface Envelope {
  readonly statusCode: number;
  readonly body: ErrorBody;
}

/** Pure: which status and body an error becomes. Unknown errors never leak their message. */
export function toErrorEnvelope(error: FastifyError | Error): Envelope {
  if (error instanceof AppError) {
    const details = error.details === undefined ? {} : { details: error.details };
    return {
      statusCode: error.statusCode,
      body: { error: { code: error.code, message: error.message, ...details } },
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => ({
      path: `${error.validationContext ?? 'request'}${issue.instancePath}`,
      message: issue.message ?? 'is invalid',
    }));
    const message = details.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
    return { statusCode: 400, body: { error: { code: 'invalid_request', message, details } } };
  }
  const fastifyError = error as FastifyError;
  const known = fastifyError.code === undefined ? undefined : FASTIFY_ERRORS[fastifyError.code];
  const statusCode = fastifyError.statusCode ?? 500;
  if (known !== undefined) return { statusCode, body: { error: known } };
  if (statusCode >= 400 && statusCode < 500) {
    const code = CODE_BY_STATUS[statusCode] ?? 'bad_request';
    return { statusCode, body: { error: { code, message: error.message } } };
  }
  return {
    statusCode: 500,
    body: { error: { code: 'internal_error', message: 'Something went wrong on our side' } },
  };
}

const errorEnvelope: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const envelope = toErrorEnvelope(error);
    if (envelope.statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info(
        { code: envelope.body.error.code, reason: error.message },
        'request refused',
      );
    }
    return reply.code(envelope.statusCode).send(envelope.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const envelope = toErrorEnvelope(httpErrors.notFound(request.method, request.url));
    return reply.code(envelope.statusCode).send(envelope.body);
  });
};

export const errorEnvelopePlugin = fastifyPlugin(errorEnvelope, {
  name: 'error-envelope',
  fastify: '5.x',
});
