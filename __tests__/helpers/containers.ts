// Builds `docker inspect` JSON in the engine's shape, for tests of parsing and judging.
import { parseInspect, type Container } from '../../src/docker/inspect.js'

export interface RawOptions {
  id?: string
  name?: string
  service?: string
  project?: string
  status?: string
  health?: 'starting' | 'healthy' | 'unhealthy'
  exitCode?: number
  startedAt?: string
  restartCount?: number
  networkMode?: string
  restartPolicy?: string
  maxRetries?: number
  probes?: { ExitCode: number; Output: string; End: string }[]
  /** State.Error: the engine's last error starting it. */
  error?: string
}

export function rawContainer(options: RawOptions = {}): Record<string, unknown> {
  const service = options.service ?? 'openvpn'
  return {
    Id: options.id ?? `${service}-id`,
    Name: `/${options.name ?? `demo-${service}-1`}`,
    Image: 'sha256:abc',
    RestartCount: options.restartCount ?? 0,
    State: {
      Status: options.status ?? 'running',
      ExitCode: options.exitCode ?? 0,
      Error: options.error ?? '',
      StartedAt: options.startedAt ?? '2026-11-28T12:00:00.000000000Z',
      ...(options.health ? { Health: { Status: options.health, Log: options.probes ?? [] } } : {})
    },
    HostConfig: {
      NetworkMode: options.networkMode ?? 'demo_default',
      RestartPolicy: { Name: options.restartPolicy ?? '', MaximumRetryCount: options.maxRetries ?? 0 }
    },
    Config: {
      Image: 'otc-openvpn:test',
      Labels: { 'com.docker.compose.project': options.project ?? 'demo', 'com.docker.compose.service': service }
    }
  }
}

export function container(options: RawOptions = {}): Container {
  return parseInspect(JSON.stringify([rawContainer(options)]))[0]
}
