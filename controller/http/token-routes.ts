import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AccessToken } from 'livekit-server-sdk';
import { z } from 'zod';
import {
  cleanDisplayName,
  DISPLAY_NAME_MAX,
  displayNameProblem,
} from '../../common/display-name.js';
import { roomKeyFromUrl, roomUrlProblem } from '../../common/room-key.js';
import type { Config } from '../config/load-config.js';
import { AppError } from '../errors.js';
import type { RoomMembership } from './room-membership.js';

export interface TokenRoutesOptions {
  readonly livekit: Pick<Config['livekit'], 'apiKey' | 'apiSecret' | 'publicUrl'>;
  readonly tokens: Config['tokens'];
  /** Records a signed-in user as a member of the room before their token is given. */
  readonly membership: Pick<RoomMembership, 'admit'>;
}

/** A room URL as a request names it: the same rule the room key applies. */
export const roomUrlSchema = z
  .string({ error: 'roomUrl is required' })
  .superRefine((roomUrl, context) => {
    const problem = roomUrlProblem(roomUrl);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

const tokenRequestSchema = z
  .object({
    roomUrl: roomUrlSchema,
    name: z
      .string()
      .max(256)
      .superRefine((name, context) => {
        const problem = displayNameProblem(name);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      })
      .transform(cleanDisplayName)
      .optional(),
    identity: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\p{L}\p{N}\p{P}\p{S}]+$/u, 'identity must be printable, without spaces')
      .optional(),
  })
  .strict();

const tokenResponseSchema = z.object({
  token: z.string(),
  url: z.string(),
  room: z.string(),
  identity: z.string(),
  /** Unix time in milliseconds after which the token no longer joins. */
  expiresAt: z.number(),
});

/**
 * `POST /token`: a LiveKit token that joins exactly one room, and with it membership of the
 * room (docs/security.md). A signed-in user joins as their uid, named by their profile when it
 * has a name (a chosen one is cleaned and bounded, for guests), anonymous users only when
 * ALLOW_ANONYMOUS is on, and a closed room only its listed users; a trusted server (API key)
 * names the identity. The token never carries room admin,
 * recording or room creation rights: recording goes through the database commands.
 */
export const tokenRoutes: FastifyPluginAsync<TokenRoutesOptions> = async (app, options) => {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/token',
    {
      onRequest: [app.limitByIp, app.requireAuth(['idToken', 'apiKey'])],
      preHandler: app.limitByIdentity,
      schema: { body: tokenRequestSchema, response: { 200: tokenResponseSchema } },
    },
    async (request) => {
      const { principal } = request;
      const body = request.body;
      let identity: string;
      let name = body.name;
      if (principal?.kind === 'user') {
        if (body.identity !== undefined) {
          throw new AppError(
            'identity_not_allowed',
            400,
            'A signed-in user joins as their own uid; omit identity',
          );
        }
        if (
          principal.token.firebase.sign_in_provider === 'anonymous' &&
          !options.tokens.allowAnonymous
        ) {
          throw new AppError(
            'anonymous_not_allowed',
            403,
            'Sign in with an account to join; guests are not admitted here',
          );
        }
        identity = principal.uid;
        // The profile's name wins: a name of one's choosing is for those without one (guests).
        const profileName =
          typeof principal.token.name === 'string' ? cleanDisplayName(principal.token.name) : '';
        if (profileName !== '') name = [...profileName].slice(0, DISPLAY_NAME_MAX).join('');
      } else {
        if (body.identity === undefined) {
          throw new AppError(
            'identity_required',
            400,
            'With the API key, the body must name the identity',
          );
        }
        identity = body.identity;
      }
      const room = roomKeyFromUrl(body.roomUrl);
      // The token is the only way into a room: its holder becomes a member first.
      if (principal?.kind === 'user') await options.membership.admit(room, identity, name);
      const token = new AccessToken(options.livekit.apiKey, options.livekit.apiSecret, {
        identity,
        name,
        ttl: options.tokens.ttlSeconds,
      });
      token.addGrant({
        roomJoin: true,
        room,
        canPublish: options.tokens.canPublish,
        canSubscribe: options.tokens.canSubscribe,
        canPublishData: options.tokens.canPublishData,
      });
      request.log.info({ roomKey: room, identity }, 'token issued');
      return {
        token: await token.toJwt(),
        url: options.livekit.publicUrl,
        room,
        identity,
        expiresAt: Date.now() + options.tokens.ttlSeconds * 1000,
      };
    },
  );
};
