export {
  type RtdbControls,
  type RtdbEmulator,
  type RtdbEmulatorOptions,
  startRtdbEmulator,
} from './server.js';
