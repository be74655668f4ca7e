import { gunzipSync } from 'node:zlib';
import { JoinRequest, WrappedJoinRequest, WrappedJoinRequest_Compression } from '@livekit/protocol';
import { JoinRefusal } from './join-validation.js';

/**
 * The `join_request` query parameter of `/rtc/v1`: a `WrappedJoinRequest` (its `JoinRequest`
 * gzipped or not) in base64 with the URL alphabet. It carries the client's first offer.
 */
export function decodeJoinRequest(parameter: string): JoinRequest {
  try {
    const wrapped = WrappedJoinRequest.fromBinary(Buffer.from(parameter, 'base64url'));
    const bytes =
      wrapped.compression === WrappedJoinRequest_Compression.GZIP
        ? gunzipSync(wrapped.joinRequest)
        : wrapped.joinRequest;
    return JoinRequest.fromBinary(bytes);
  } catch {
    // livekit-server answers an undecodable join request with 400 before upgrading.
    throw new JoinRefusal(400, 'could not decode join request');
  }
}
