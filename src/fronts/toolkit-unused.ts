// What the build puts in place of @actions/http-client and @actions/exec
// (tsconfig.json `paths`, which ncc follows). @actions/core imports them at
// load time only for getIDToken (OIDC) and `platform`, which this action never
// calls; bundled, they are two thirds of dist/index.js (undici, tunnel) and
// cost each step about 60 ms of start-up on an idle machine (docs/benchmarks.md).
// Everything of @actions/core that the action uses comes from the real package.
const unused = (name: string): Error =>
  new Error(`${name} is left out of this bundle (src/fronts/toolkit-unused.ts): the action does not use it.`)

export class HttpClient {
  constructor() {
    throw unused('@actions/http-client')
  }
}

export class BearerCredentialHandler {
  constructor() {
    throw unused('@actions/http-client')
  }
}

export function getExecOutput(): never {
  throw unused('@actions/exec')
}
