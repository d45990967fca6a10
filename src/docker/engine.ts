// Pure reading of what the Docker CLI says about the engine it talks to: its
// endpoint, told without credentials, and the Compose projects it holds.

/** A Docker host without what could be secret: user info, query, fragment.
 * `ssh://deploy:pw@host:22?x=y` becomes `ssh://host:22`. Everything up to the
 * last `@` goes, so that a password with odd characters cannot survive. */
export function withoutCredentials(host: string): string {
  return host.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/i, '$1').replace(/[?#].*$/, '')
}

/** Names the engine asked, for a message: by DOCKER_HOST when it is set (it
 * overrides contexts), else by the context. `endpoint` is what
 * `docker context inspect --format '{{.Name}} {{.Endpoints.docker.Host}}'` printed. */
export function describeEngine(endpoint: string, dockerHost: string | undefined): string {
  if (dockerHost) return `DOCKER_HOST ${withoutCredentials(dockerHost)}`
  const [name, host] = endpoint.split(' ', 2)
  if (!name) return 'the Docker engine of the current context'
  return host ? `Docker context ${name} (${withoutCredentials(host)})` : `Docker context ${name}`
}

export interface ComposeProjectEntry {
  name: string
  /** e.g. `running(3)`, `exited(2)`. */
  status: string
}

/** Reads `docker compose ls --all --format json` (a JSON array). */
export function parseComposeProjects(json: string): ComposeProjectEntry[] {
  try {
    const raw = JSON.parse(json) as { Name?: string; Status?: string }[]
    return Array.isArray(raw)
      ? raw.filter((entry) => entry.Name).map((entry) => ({ name: entry.Name!, status: entry.Status ?? '' }))
      : []
  } catch {
    return []
  }
}
