/**
 * The LiveKit emulator in a process of its own for the bench (forked by livekit-process.ts):
 * its egress work and webhook signing then cost the bench's clients nothing. Controls arrive
 * over the IPC channel as `{ id, group, name, args }` and are answered `{ id, ok, error? }`.
 */
import {
  type LivekitEmulatorOptions,
  startLivekitEmulator,
} from '../../emulators/livekit/index.js';

type ControlCall = { id: number; group: string; name: string; args: unknown[] };

const send = (message: unknown) => process.send?.(message);

process.once('message', async (options: LivekitEmulatorOptions) => {
  const emulator = await startLivekitEmulator(options);
  const controls = emulator.controls as unknown as Record<
    string,
    Record<string, (...args: unknown[]) => unknown>
  >;
  process.on('message', async (call: ControlCall | 'stop') => {
    if (call === 'stop') {
      await emulator.stop();
      process.exit(0);
    }
    try {
      const control = controls[call.group]?.[call.name];
      if (control === undefined) throw new Error(`no control ${call.group}.${call.name}`);
      await control(...call.args);
      send({ id: call.id, ok: true });
    } catch (error) {
      send({ id: call.id, ok: false, error: (error as Error).message });
    }
  });
  send({ ready: true, url: emulator.url });
});
