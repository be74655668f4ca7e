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
