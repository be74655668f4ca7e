/** The local stand-ins for the cloud services, and the harness that starts them together. */
export { type AuthEmulator, startAuthEmulator } from './harness/auth-emulator.js';
export { freePort } from './harness/free-port.js';
export {
  LOCAL_SERVER_STARTERS,
  type LocalServerContext,
  type LocalServerStarter,
  type LocalServers,
  type LocalServersOptions,
  type StartedServer,
  startLocalServers,
} from './harness/local-servers.js';
export {
  type StorageEmulator,
  type StorageEmulatorOptions,
  StorageFaults,
  startStorageEmulator,
} from './storage/index.js';
