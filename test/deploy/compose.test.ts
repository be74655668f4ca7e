import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deploymentEnv, envFileText } from '../support/deploy-env.js';

const run = promisify(execFile);

interface Service {
  image?: string;
  build?: unknown;
  network_mode?: string;
  extra_hosts?: string[];
  cap_add?: string[];
  stop_signal?: string;
  stop_grace_period?: string;
  init?: boolean;
  user?: string;
  restart?: string;
  healthcheck?: { test: string[] };
  logging?: { driver: string; options: Record<string, string> };
  volumes?: string[];
  command?: string[];
  environment?: Record<string, string>;
  entrypoint?: string[];
  env_file?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(await readFile('docker-compose.yml', 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
};
const seconds = (duration: string | undefined) => {
  const match = /^(\d+)(s|m)$/.exec(duration ?? '');
  if (match === null) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
};

describe('docker-compose.yml', () => {
  it('is a valid Compose file (docker-compose config)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'compose-'));
    try {
      await copyFile('docker-compose.yml', join(dir, 'docker-compose.yml'));
      await writeFile(join(dir, '.env.livekit'), envFileText(deploymentEnv()));
      const result = await run(
        'docker-compose',
        ['--env-file', '.env.livekit', 'config', '--quiet'],
        { cwd: dir },
      );
      expect(result.stderr).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs livekit, redis, egress and the controller, with a one-shot volume initialiser', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['controller', 'egress', 'livekit', 'recordings-init', 'redis'].sort(),
    );
  });

  it('pins every image to a version, with egress and the server at a matching release', () => {
    for (const [name, { image }] of Object.entries(services)) {
      if (name === 'controller') continue;
      expect(image, name).toMatch(/:v?\d+\.\d+\.\d+(-alpine)?$/);
    }
    expect(service('livekit').image).toBe('livekit/livekit-server:v1.13.5');
    expect(service('egress').image).toBe('livekit/egress:v1.14.1');
    expect(service('recordings-init').image).toBe(service('egress').image);
  });

  it('gives egress no extra capability and a SIGINT stop with time to finish the MP4', () => {
    const egress = service('egress');
    // Egress v1.14.1 runs Chrome without its sandbox: SYS_ADMIN would be privilege for nothing.
    expect(egress.cap_add).toBeUndefined();
    expect(egress.stop_signal).toBe('SIGINT');
    expect(seconds(egress.stop_grace_period)).toBeGreaterThanOrEqual(60);
  });

  it('stops egress before the controller, so `down` finishes files while the controller hears of them', () => {
    // Compose stops services in the reverse order of depends_on.
    expect(service('egress').depends_on?.controller?.condition).toBe('service_started');
    expect(service('controller').depends_on?.egress).toBeUndefined();
    expect(seconds(service('egress').stop_grace_period)).toBeGreaterThan(
      seconds(service('controller').stop_grace_period),
    );
  });

  it('mounts the rendered configuration by its directory, which the repository holds', async () => {
    // A missing bind-mounted file would become a root-owned directory that configure cannot
    // overwrite; the directory always exists, so a missing file stays missing.
    expect((await stat('livekit/rendered/.gitignore')).isFile()).toBe(true);
    expect(service('livekit').volumes).toEqual(['./livekit/rendered:/etc/livekit-rendered:ro']);
    expect(service('livekit').command).toEqual(['--config', '/etc/livekit-rendered/livekit.yaml']);
    expect(service('egress').volumes).toContain('./livekit/rendered:/etc/livekit-rendered:ro');
    expect(service('egress').environment?.EGRESS_CONFIG_FILE).toBe(
      '/etc/livekit-rendered/egress.yaml',
    );
    for (const [name, entry] of Object.entries(services)) {
      for (const volume of entry.volumes ?? []) {
        expect(volume, name).not.toMatch(/^\.\/livekit\/rendered\/.+:/);
      }
    }
  });

  it('builds the controller from the Dockerfile, with an init process and the env file', () => {
    const controller = service('controller');
    expect(controller.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(controller.init).toBe(true);
    expect(controller.env_file).toEqual(['.env.livekit']);
  });

  it('shares one recordings volume owned by the egress user, and runs the controller as that user', () => {
    expect(Object.keys(compose.volumes)).toContain('recordings');
    expect(service('egress').volumes).toContain('recordings:/recordings');
    expect(service('controller').volumes).toContain('recordings:/recordings');
    const init = service('recordings-init');
    expect(init.user).toBe('0:0');
    expect(init.entrypoint?.join(' ')).toContain('chown egress:root /recordings');
    expect(service('controller').user).toMatch(/^\$\{EGRESS_UID:-1001\}:0$/);
    for (const name of ['egress', 'controller']) {
      expect(service(name).depends_on?.['recordings-init']?.condition).toBe(
        'service_completed_successfully',
      );
    }
  });

  it("health-checks egress on its own health_port, which is not Prometheus' 9090", async () => {
    const egressYaml = parse(await readFile('livekit/egress.yaml', 'utf8')) as {
      health_port: number;
    };
    expect(egressYaml.health_port).not.toBe(9090);
    expect(service('egress').healthcheck?.test.join(' ')).toContain(
      `/dev/tcp/127.0.0.1/${egressYaml.health_port}`,
    );
    const guide = await readFile('docs/deployment.md', 'utf8');
    expect(guide).toMatch(new RegExp(`\\| [^|]*\\b${egressYaml.health_port}\\b[^|]* \\| tcp \\|`));
  });

  it('pins Redis to a 7.4 release with the 2025 security fixes (7.4.6 or later)', () => {
    const patch = /^redis:7\.4\.(\d+)-alpine$/.exec(service('redis').image ?? '')?.[1];
    expect(Number(patch)).toBeGreaterThanOrEqual(6);
  });

  it('puts every long-running service on the host network, with the service names on loopback', () => {
    for (const name of ['redis', 'livekit', 'egress', 'controller']) {
      expect(service(name).network_mode, name).toBe('host');
      expect(service(name).extra_hosts, name).toEqual(
        expect.arrayContaining(['livekit:127.0.0.1', 'redis:127.0.0.1', 'controller:127.0.0.1']),
      );
    }
    expect(service('redis').healthcheck?.test).toContain('ping');
  });

  it('restarts, health-checks and caps the logs of every long-running service', () => {
    for (const name of ['redis', 'livekit', 'egress', 'controller']) {
      const entry = service(name);
      expect(entry.restart, name).toBe('unless-stopped');
      expect(entry.logging?.options['max-size'], name).toMatch(/^\d+m$/);
      // The controller's healthcheck is the image's HEALTHCHECK (dockerfile.test.ts).
      if (name !== 'controller') expect(entry.healthcheck?.test.length, name).toBeGreaterThan(1);
    }
  });

  it("has a guide that installs Compose v2 from Docker's apt repository, which Debian 12 lacks", async () => {
    const guide = await readFile('docs/deployment.md', 'utf8');
    const shell = [...guide.matchAll(/```bash\n([\s\S]*?)```/g)]
      .map((block) => block[1])
      .join('\n');
    expect(shell).toContain('https://download.docker.com/linux/debian');
    expect(shell).toMatch(/apt-get install -y [^\n]*docker-ce [^\n]*docker-compose-plugin/);
    // Debian's own packages: docker.io has no compose v2, and docker-compose is v1.
    expect(shell).not.toMatch(/apt(-get)? install[^\n]*\bdocker\.io\b/);
    expect(shell).not.toMatch(/(^|\s)docker-compose\s/m);
  });

  it('has a guide whose ICE advice keeps outside clients connected', async () => {
    const guide = await readFile('docs/deployment.md', 'utf8');
    // node_ip is what LiveKit advertises to every client; an internal one cuts off the internet.
    expect(guide).not.toMatch(/use_external_ip: false/);
    expect(guide).not.toMatch(/set[^|.]*`rtc\.node_ip` to the internal IP/);
    expect(guide).toContain('rtc.advertise_internal_ip: true');
  });

  it('is what docs/deployment.md describes: the same images and the ports LiveKit listens on', async () => {
    const guide = await readFile('docs/deployment.md', 'utf8');
    for (const name of ['redis', 'livekit', 'egress']) {
      expect(guide, name).toContain(`\`${service(name).image}\``);
    }
    const livekit = parse(await readFile('livekit/livekit.yaml', 'utf8'));
    expect(guide).toContain(`| ${livekit.rtc.tcp_port} | tcp |`);
    expect(guide).toContain(
      `| ${livekit.rtc.port_range_start}–${livekit.rtc.port_range_end} | udp |`,
    );
    expect(guide).toContain(
      `tcp:${livekit.rtc.tcp_port},udp:${livekit.rtc.port_range_start}-${livekit.rtc.port_range_end}`,
    );
  });
});
