import { fork } from 'node:child_process';
import type { LivekitEmulatorOptions } from '../../emulators/livekit/index.js';

/** The controls the bench uses, as calls over IPC to the emulator's process. */
export interface LivekitProcess {
  readonly url: string;
  addParticipant(room: string, identity: string): Promise<void>;
  setPublishing(room: string, identity: string, publishing: boolean): Promise<void>;
  setWebhookUrl(url: string | undefined): Promise<void>;
  stop(): Promise<void>;
}

type Answer = { id: number; ok: boolean; error?: string } | { ready: true; url: string };

/** Forks livekit-child.ts, starts the emulator there with `options`, and waits until it serves. */
export async function startLivekitProcess(
  options: LivekitEmulatorOptions,
): Promise<LivekitProcess> {
  const child = fork(new URL('./livekit-child.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the LiveKit emulator exited with ${code}`)));
    child.on('message', (answer: Answer) => {
      if ('ready' in answer) {
        resolve(answer.url);
        return;
      }
      const waiter = pending.get(answer.id);
      pending.delete(answer.id);
      if (answer.ok) waiter?.resolve();
      else waiter?.reject(new Error(answer.error));
    });
    child.send(options);
  });
  const call = (group: string, name: string, args: unknown[]) =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, group, name, args });
    });
  return {
    url,
    addParticipant: (room, identity) => call('rooms', 'addParticipant', [room, { identity }]),
    setPublishing: (room, identity, publishing) =>
      call('rooms', 'setPublishing', [room, identity, publishing]),
    setWebhookUrl: (webhookUrl) => call('webhooks', 'setUrl', [webhookUrl]),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
