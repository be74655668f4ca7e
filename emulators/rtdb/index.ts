export {
  type AppliedChange,
  type RtdbControls,
  type RtdbEmulator,
  type RtdbEmulatorOptions,
  startRtdbEmulator,
  type WriteObserver,
} from './server.js';
