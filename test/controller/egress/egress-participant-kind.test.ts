import { ParticipantInfo_Kind } from '@livekit/protocol';
import { describe, expect, it } from 'vitest';
import { EGRESS_PARTICIPANT_KIND } from '../../../controller/egress/livekit-recorder.js';

describe('the egress participant kind', () => {
  it("is LiveKit's ParticipantInfo.Kind.EGRESS, which livekit-server-sdk does not re-export", () => {
    expect(EGRESS_PARTICIPANT_KIND).toBe(ParticipantInfo_Kind.EGRESS);
  });
});
