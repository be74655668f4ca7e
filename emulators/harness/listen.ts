import type { Server } from 'node:net';

/** Starts `server` listening on `host` (port 0: the OS picks one); resolves with its port. */
export async function listen(server: Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error(`no address on ${host}`);
  return address.port;
}
