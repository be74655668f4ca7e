import {
  RTCPeerConnection,
  useAbsSendTime,
  useAudioLevelIndication,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
} from 'werift';

export interface IceCandidateJson {
  readonly candidate: string;
  readonly sdpMid?: string | undefined;
  readonly sdpMLineIndex?: number | undefined;
}

/**
 * The server's side of a client's publisher connection: answers every offer and accepts the
 * data channels the client opens. Incoming media is received and discarded (nothing reads the
 * tracks); forwarding it to other participants is not emulated.
 */
export class PublisherPeer {
  private readonly connection = new RTCPeerConnection({
    // Loopback only needs host candidates; werift's default would ask Google's STUN server.
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    // Without the RID extensions Chromium refuses a simulcast offer's answer ("negotiates
    // simulcast but does not negotiate the RID RTP header extension").
    headerExtensions: {
      video: [
        useSdesMid(),
        useSdesRTPStreamId(),
        useRepairedRtpStreamId(),
        useTransportWideCC(),
        useAbsSendTime(),
      ],
      audio: [useSdesMid(), useAudioLevelIndication(), useTransportWideCC(), useAbsSendTime()],
    },
  });

  constructor(onCandidate: (candidate: IceCandidateJson) => void) {
    this.connection.onIceCandidate.subscribe((candidate) => {
      if (candidate !== undefined) onCandidate(candidate.toJSON());
    });
  }

  /** Applies the client's offer and returns the answer's SDP. */
  async answer(offerSdp: string): Promise<string> {
    await this.connection.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await this.connection.setLocalDescription(await this.connection.createAnswer());
    const local = this.connection.localDescription;
    if (local === null) throw new Error('no local description after answering');
    return local.sdp;
  }

  async addCandidate(candidate: IceCandidateJson): Promise<void> {
    await this.connection.addIceCandidate(candidate);
  }

  close(): void {
    void this.connection.close().catch(() => undefined);
  }
}
