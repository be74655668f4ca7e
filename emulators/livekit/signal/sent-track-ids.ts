const SENDING = new Set(['sendonly', 'sendrecv']);

/**
 * The ids of the tracks an offer's sender is sending (`a=msid:<stream> <track>` in a sendonly or
 * sendrecv media section). livekit-client unpublishes by removing the sender and
 * renegotiating, so a track missing from a later offer is no longer published.
 */
export function sentTrackIds(sdp: string): Set<string> {
  const ids = new Set<string>();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const lines = section.split(/\r?\n/);
    // A media section without a direction attribute is sendrecv (RFC 8866 §6.7).
    const direction =
      lines.find((line) => /^a=(sendonly|sendrecv|recvonly|inactive)$/.test(line))?.slice(2) ??
      'sendrecv';
    if (!SENDING.has(direction) || lines[0]?.split(' ')[1] === '0') continue;
    for (const line of lines) {
      const msid = /^a=msid:\S+ (\S+)$/.exec(line);
      if (msid?.[1] !== undefined) ids.add(msid[1]);
    }
  }
  return ids;
}
