import wrtc from '@roamhq/wrtc';
import { WebSocket } from 'ws';

/**
 * Gives this Node process the browser globals livekit-client needs: WebRTC from
 * `@roamhq/wrtc` (libwebrtc M106 as a Node binding), and a WebSocket and `navigator`, which
 * Node 20 lacks. wrtc's MediaStreamTrack has no constraint getters, which livekit-client
 * reads on every local track; empty constraints and the source's size stand in for them.
 */
export function installNodeWebrtc(): void {
  const trackPrototype = wrtc.MediaStreamTrack.prototype as MediaStreamTrack;
  trackPrototype.getConstraints ??= () => ({});
  trackPrototype.getSettings ??= () => ({ width: VIDEO_WIDTH, height: VIDEO_HEIGHT });
  trackPrototype.applyConstraints ??= async () => undefined;
  Object.assign(globalThis, {
    RTCPeerConnection: wrtc.RTCPeerConnection,
    RTCSessionDescription: wrtc.RTCSessionDescription,
    RTCIceCandidate: wrtc.RTCIceCandidate,
    MediaStream: wrtc.MediaStream,
    MediaStreamTrack: wrtc.MediaStreamTrack,
    WebSocket,
  });
  if (!('navigator' in globalThis)) {
    Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'Node.js' } });
  }
}

const VIDEO_WIDTH = 640;
const VIDEO_HEIGHT = 360;

/** A synthetic camera and microphone track (no frames are pushed: the emulator discards media). */
export function syntheticTracks(): { camera: MediaStreamTrack; microphone: MediaStreamTrack } {
  return {
    camera: new wrtc.nonstandard.RTCVideoSource().createTrack() as unknown as MediaStreamTrack,
    microphone: new wrtc.nonstandard.RTCAudioSource().createTrack() as unknown as MediaStreamTrack,
  };
}

const FRAME_WIDTH = 160;
const FRAME_HEIGHT = 96;
const FRAME_INTERVAL_MS = 200;

/**
 * A camera track that sends frames (a grey picture, 5 a second): the real SFU counts a track as
 * published only once its media arrives. `stop()` ends the frames and the track.
 */
export function sendingCamera(): { track: MediaStreamTrack; stop(): void } {
  const source = new wrtc.nonstandard.RTCVideoSource();
  const data = new Uint8Array(FRAME_WIDTH * FRAME_HEIGHT * 1.5).fill(128);
  const timer = setInterval(
    () => source.onFrame({ width: FRAME_WIDTH, height: FRAME_HEIGHT, data }),
    FRAME_INTERVAL_MS,
  );
  const track = source.createTrack() as unknown as MediaStreamTrack;
  return {
    track,
    stop() {
      clearInterval(timer);
      track.stop();
    },
  };
}
