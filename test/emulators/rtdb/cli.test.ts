import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../emulators/harness/free-port.js';
import { startRtdbEmulator } from '../../../emulators/rtdb/index.js';
import { ObservedProcess, PROJECT_ROOT, runNpm } from '../../support/controller-process.js';

describe('npm run emulator -- rtdb', () => {
  it('serves with rules and imported data, exports on SIGTERM, and exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtdb-cli-'));
    const rulesFile = join(dir, 'rules.json');
    const importFile = join(dir, 'import.json');
    const exportDir = join(dir, 'export');
    await writeFile(rulesFile, '{"rules":{".read":true, /* no writes */ ".write":false}}');
    await writeFile(importFile, JSON.stringify({ 'demo-cli': { greeting: 'hello' } }));
    const port = await freePort();
    // What `npm run emulator --` runs, started directly so SIGTERM reaches the server itself
    // (npm does not forward signals it receives alone; a terminal signals the whole group).
    const server = new ObservedProcess(
      spawn(
        join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
        [
          'emulators/cli.ts',
          'rtdb',
          '--port',
          String(port),
          '--rules',
          rulesFile,
          '--import',
          importFile,
          '--export-on-exit',
          exportDir,
        ],
        { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    await server.waitForOutput(new RegExp(`^rtdb ready on 127\\.0\\.0\\.1:${port}$`));
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/greeting.json?ns=demo-cli`)).json()).toBe('hello');
    const denied = await fetch(`${base}/x.json?ns=demo-cli`, { method: 'PUT', body: '1' });
    expect(denied.status).toBe(401);
    const owner = { authorization: 'Bearer owner' };
    await fetch(`${base}/x.json?ns=demo-cli`, { method: 'PUT', body: '1', headers: owner });
    server.child.kill('SIGTERM');
    const result = await server.exited;
    expect(result.code).toBe(0);
    const exported = join(exportDir, 'database_export', 'demo-cli.json');
    expect(JSON.parse(await readFile(exported, 'utf8'))).toEqual({ greeting: 'hello', x: 1 });
  });

  it('re-imports its own export directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtdb-export-'));
    const first = await startRtdbEmulator({ exportOnExit: dir });
    await fetch(`http://${first.host}/a.json?ns=demo-a`, {
      method: 'PUT',
      body: '{"n":{".value":1,".priority":2}}',
    });
    await first.stop();
    const second = await startRtdbEmulator({ importFile: dir });
    try {
      const exported = await fetch(`http://${second.host}/a.json?ns=demo-a&format=export`);
      expect(await exported.json()).toEqual({ n: { '.value': 1, '.priority': 2 } });
    } finally {
      await second.stop();
    }
  });

  it('rejects an invalid port with a usage message', async () => {
    const result = await runNpm(['run', '--silent', 'emulator', '--', 'rtdb', '--port', 'x'], {})
      .exited;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/usage/);
  });
});
