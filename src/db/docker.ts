// Optional: a throwaway cluster in Docker, from the image in docker/Dockerfile (PostgreSQL 16 +
// hypopg + pg_stat_statements), for machines without local PostgreSQL binaries.
// Used by startThrowawayCluster when PGIA_DOCKER=1 and a Docker engine answers.
//
// Needs the `testcontainers` package (npm i -D testcontainers@12), imported dynamically so the
// project neither depends on it nor needs it to compile. UNTESTED here: the machines this project
// is developed and tested on have no Docker engine.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ThrowawayCluster } from './cluster.js';

const IMAGE = 'pgia-postgres-hypopg:16';
const DOCKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docker');

/** True when `docker info` answers within 10 s. */
export function dockerAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 }, (err) => resolve(!err));
  });
}

// The bits of the testcontainers API used here (kept local so it needs no type package).
interface StartedContainer {
  getHost(): string;
  getMappedPort(port: number): number;
  getId(): string;
  stop(): Promise<unknown>;
}
interface ContainerBuilder {
  withExposedPorts(...ports: number[]): ContainerBuilder;
  withEnvironment(env: Record<string, string>): ContainerBuilder;
  withWaitStrategy(strategy: unknown): ContainerBuilder;
  start(): Promise<StartedContainer>;
}
interface TestcontainersModule {
  GenericContainer: {
    fromDockerfile(context: string, dockerfile?: string): { build(image?: string): Promise<ContainerBuilder> };
  };
  Wait: { forLogMessage(message: RegExp | string, times?: number): unknown };
}

export async function startDockerCluster(opts: {
  log: (msg: string) => void;
  database: string;
}): Promise<ThrowawayCluster> {
  const moduleName = 'testcontainers';
  let tc: TestcontainersModule;
  try {
    tc = (await import(moduleName)) as TestcontainersModule;
  } catch {
    throw new Error('PGIA_DOCKER=1 needs the testcontainers package: npm i -D testcontainers@12');
  }
  opts.log(`building ${IMAGE} from ${DOCKER_DIR} (cached after the first time)…`);
  const builder = await tc.GenericContainer.fromDockerfile(DOCKER_DIR, 'Dockerfile').build(IMAGE);
  const container = await builder
    .withExposedPorts(5432)
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: opts.database })
    // The entrypoint starts a temporary server for the init scripts, then the real one.
    .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const host = container.getHost();
  const port = container.getMappedPort(5432);
  opts.log(`PostgreSQL 16 in container ${container.getId().slice(0, 12)} on ${host}:${port}`);
  let stopping: Promise<void> | undefined;
  return {
    url: `postgresql://postgres@${host}:${port}/${encodeURIComponent(opts.database)}`,
    port,
    host,
    dataDir: `docker:${container.getId()}`,
    version: 16,
    stop: () => (stopping ??= container.stop().then(() => undefined)),
  };
}
