import type { BrowserContext, Page } from 'playwright-core';

/** One end of an ICE candidate pair as the page's getStats() names it. */
export interface CandidateEnd {
  readonly address: string;
  readonly protocol: string;
  readonly candidateType: string;
}

/** The candidate pair a peer connection's transport selected. */
export interface SelectedPair {
  readonly local: CandidateEnd;
  readonly remote: CandidateEnd;
}

/**
 * Keeps every RTCPeerConnection the context's pages create (livekit-client's included) in
 * `window.__peerConnections`, so a test can read their stats. Call before the first navigation.
 */
export async function keepPeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const kept: RTCPeerConnection[] = [];
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = kept;
    const Native = window.RTCPeerConnection;
    const Kept = function (this: unknown, ...args: ConstructorParameters<typeof Native>) {
      const connection = new Native(...args);
      kept.push(connection);
      return connection;
    } as unknown as typeof RTCPeerConnection;
    Kept.prototype = Native.prototype;
    Object.setPrototypeOf(Kept, Native);
    window.RTCPeerConnection = Kept;
  });
}

/** The selected candidate pair of every open peer connection the page kept. */
export function selectedCandidatePairs(page: Page): Promise<SelectedPair[]> {
  return page.evaluate(async () => {
    const pairs: SelectedPair[] = [];
    const kept = (window as unknown as { __peerConnections: RTCPeerConnection[] })
      .__peerConnections;
    for (const connection of kept) {
      if (connection.connectionState === 'closed') continue;
      const stats = new Map<string, Record<string, unknown>>();
      (await connection.getStats()).forEach((entry: Record<string, unknown>) => {
        stats.set(String(entry.id), entry);
      });
      const end = (id: unknown): CandidateEnd => {
        const candidate = stats.get(String(id)) ?? {};
        return {
          address: String(candidate.address),
          protocol: String(candidate.protocol),
          candidateType: String(candidate.candidateType),
        };
      };
      for (const entry of stats.values()) {
        if (entry.type !== 'transport' || entry.selectedCandidatePairId === undefined) continue;
        const pair = stats.get(String(entry.selectedCandidatePairId)) ?? {};
        pairs.push({ local: end(pair.localCandidateId), remote: end(pair.remoteCandidateId) });
      }
    }
    return pairs;
  });
}
