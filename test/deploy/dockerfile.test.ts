import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execForm, parseDockerfile } from '../support/dockerfile.js';

const stages = parseDockerfile(await readFile('Dockerfile', 'utf8'));
const final = stages.at(-1);
if (final === undefined) throw new Error('Dockerfile has no stage');
const args = (keyword: string) =>
  final.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const packageJson = JSON.parse(await readFile('package.json', 'utf8')) as {
  scripts: Record<string, string>;
};

describe('Dockerfile', () => {
  it('builds in stages from a pinned Node LTS image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage.from).toMatch(/^node:(2[2-9]|[3-9]\d)\.\d+\.\d+-[a-z]+-slim$/);
    }
  });

  it('runs as a non-root user', () => {
    const user = args('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('ships production dependencies only, installed without scripts', () => {
    const copies = args('COPY');
    const modules = copies.filter((c) => /node_modules/.test(c));
    expect(modules).toHaveLength(1);
    const source = /--from=(\S+)/.exec(modules[0] ?? '')?.[1];
    const depsStage = stages.find((s) => s.name === source);
    const install = depsStage?.instructions.find((i) => i.keyword === 'RUN')?.args ?? '';
    expect(install).toMatch(/npm ci\b.*--omit=dev/);
    expect(install).toContain('--ignore-scripts');
    expect(copies.some((c) => /^(\.|\.\/?\s)/.test(c))).toBe(false);
  });

  it('runs the built JavaScript that `npm start` runs', () => {
    expect(execForm(args('CMD').at(-1) ?? '')).toEqual(packageJson.scripts.start?.split(' ') ?? []);
    expect(args('COPY')).toContain('--from=build /app/dist ./dist');
    const build = stages.find((s) => s.name === 'build');
    expect(build?.instructions.map((i) => i.args)).toContain('npm run build');
  });

  it("gives /recordings egress's owner and mode, which Docker copies into an empty volume", async () => {
    // The volume's first container may be the controller's (compose v1, `up --no-deps`): its
    // directory then becomes the volume's root, and egress (uid 1001, gid 0) must write there.
    const run = args('RUN').find((line) => line.includes('/recordings')) ?? '';
    expect(run).toMatch(/\bchown 1001:0 \/recordings\b/);
    expect(run).toMatch(/\bchmod 0770 \/recordings\b/);
    const compose = parse(await readFile('docker-compose.yml', 'utf8')) as {
      services: Record<string, { entrypoint?: string[] }>;
    };
    // recordings-init leaves the volume the same way, whoever created it.
    const init = compose.services['recordings-init']?.entrypoint?.join(' ') ?? '';
    expect(init).toContain('chmod 0770 /recordings');
  });

  it('builds configure and preflight into the image, so the VM needs no Node of its own', async () => {
    const build = stages.find((s) => s.name === 'build');
    expect(build?.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args)).toContain(
      'deploy ./deploy',
    );
    const tsconfig = JSON.parse(await readFile('tsconfig.build.json', 'utf8')) as {
      include: string[];
    };
    expect(tsconfig.include).toContain('deploy');
    // What they import at run time must be a production dependency (the image omits dev ones).
    const manifest = JSON.parse(await readFile('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['yaml', 'zod']));
    const guide = await readFile('docs/deployment.md', 'utf8');
    expect(guide).toContain('--entrypoint node controller /app/dist/deploy/configure.js');
    expect(guide).toContain('--entrypoint node controller /app/dist/deploy/preflight.js');
    expect(guide).toContain('exec controller node dist/deploy/drain.js');
  });

  it('health-checks liveness, so a dependency outage does not restart the controller', () => {
    const healthcheck = args('HEALTHCHECK').at(-1) ?? '';
    expect(healthcheck).toContain('/health/live');
    expect(healthcheck).toContain('CONTROL_PORT');
  });

  it('keeps secrets and local files out of the build context', async () => {
    const ignore = (await readFile('.dockerignore', 'utf8')).split('\n');
    // Everything is excluded, then only what the build copies is let back in.
    expect(ignore).toContain('*');
    const allowed = ignore.filter((line) => line.startsWith('!'));
    expect(allowed.some((line) => /env|recordings|rendered/.test(line))).toBe(false);
  });
});
