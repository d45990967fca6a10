// The stack half of the benchmark: the full action and plain Compose on the
// same stack, the engine's own health event next to the moment the action
// acted on it, and a registry that tears every project down whatever happens.
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ROOT, runAction } from '../run-action.mjs'
import { run } from './proc.mjs'

export const DEMO = join(ROOT, 'fixtures/stacks/demo')
const PROJECT_LABEL = 'com.docker.compose.project'
const SERVICE_LABEL = 'com.docker.compose.service'

/** The stacks both sides run: the demo, and a second one written apart from
 * the action (a gateway healthy after about 6.5 s, two containers whose PID 1
 * ignores SIGTERM). `inputs` are the action's, by action.yml name. */
export const STACKS = [
  { name: 'demo', dir: DEMO, vpnService: 'openvpn', inputs: { 'probe-targets': '10.8.0.10' } },
  {
    name: 'slow-gateway',
    dir: join(ROOT, 'fixtures/stacks/slow-gateway'),
    vpnService: 'gateway',
    inputs: { 'vpn-service': 'gateway', 'tunnel-services': 'queue,metrics', 'probe-targets': '10.66.0.30' }
  }
]

// ---- Project names and teardown -------------------------------------------

/** Projects up or maybe up, with the stack each was started from. */
const live = new Map()
let counter = 0

/** A name no other run uses: the lead may run tests on the same engine. */
export function newProject(stack, kind) {
  const name = `otc-bench-${process.pid}-${++counter}-${kind}`
  live.set(name, stack)
  return name
}

function labelled(name) {
  const filter = ['--filter', `label=${PROJECT_LABEL}=${name}`]
  const ids = (argv) => run(argv, { timeoutMs: 30_000 }).stdout.split('\n').filter(Boolean)
  return {
    containers: ids(['docker', 'ps', '--all', '--quiet', ...filter]),
    networks: ids(['docker', 'network', 'ls', '--quiet', ...filter]),
    volumes: ids(['docker', 'volume', 'ls', '--quiet', ...filter])
  }
}

/** Removes whatever the project left; returns how many resources that was.
 * Compose first, then by label, for what Compose could not remove. */
export function ensureGone(name) {
  const stack = live.get(name)
  let left = labelled(name)
  const count = (r) => r.containers.length + r.networks.length + r.volumes.length
  const found = count(left)
  if (found > 0) {
    run(['docker', 'compose', '-p', name, 'down', '--volumes', '--remove-orphans', '--timeout', '0'], {
      cwd: stack.dir,
      timeoutMs: 180_000
    })
    left = labelled(name)
    if (left.containers.length)
      run(['docker', 'rm', '--force', '--volumes', ...left.containers], { timeoutMs: 120_000 })
    if (left.networks.length) run(['docker', 'network', 'rm', ...left.networks], { timeoutMs: 60_000 })
    if (left.volumes.length) run(['docker', 'volume', 'rm', '--force', ...left.volumes], { timeoutMs: 60_000 })
  }
  live.delete(name)
  return found
}

/** Tears down every project this process created and has not yet removed. */
export function cleanupAll() {
  for (const name of [...live.keys()]) ensureGone(name)
}

// ---- Plain Compose ----------------------------------------------------------

/** What the action replaces, as issue 13 words it: `up -d --wait`, then
 * `down -v -t 1` (volumes removed, one second of stop grace). */
export function plainRun(stack, name) {
  const up = run(['docker', 'compose', '-p', name, 'up', '-d', '--wait'], { cwd: stack.dir, timeoutMs: 300_000 })
  const down = run(['docker', 'compose', '-p', name, 'down', '-v', '-t', '1'], { cwd: stack.dir, timeoutMs: 180_000 })
  const ok = up.code === 0 && down.code === 0
  return {
    ok,
    ms: up.ms + down.ms,
    phases: { 'up -d --wait': up.ms, 'down -v -t 1': down.ms },
    error: ok ? undefined : (up.stderr || down.stderr).trim().split('\n').at(-1)
  }
}

// ---- The engine's health event ----------------------------------------------

/** Our own `docker events` stream for the vpn service's health changes. It runs
 * while the action does (runAction blocks; the pipe buffers the few lines), and
 * gives the engine's time of the change (timeNano), which the report lacks. */
function watchHealthy(project, vpnService) {
  // A little replay, so an event from before the CLI connected is not missed.
  const since = (Date.now() / 1000 - 2).toFixed(3)
  const argv = [
    'events',
    '--since',
    since,
    '--format',
    '{{json .}}',
    '--filter',
    'type=container',
    '--filter',
    'event=health_status',
    '--filter',
    `label=${PROJECT_LABEL}=${project}`,
    '--filter',
    `label=${SERVICE_LABEL}=${vpnService}`
  ]
  const child = spawn('docker', argv, { stdio: ['ignore', 'pipe', 'ignore'] })
  const healthyMs = []
  let wake = () => {}
  let pending = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n')
    pending = lines.pop()
    for (const line of lines) {
      const event = JSON.parse(line)
      if (event.Action === 'health_status: healthy') healthyMs.push(event.timeNano / 1e6)
    }
    if (healthyMs.length) wake()
  })
  const safety = setTimeout(() => child.kill(), 20 * 60_000)
  return {
    /** Engine time of the first change to healthy, waiting briefly for the pipe to be read. */
    async firstHealthy(waitMs = 3000) {
      if (!healthyMs.length)
        await new Promise((resolve) => {
          wake = resolve
          setTimeout(resolve, waitMs)
        })
      return healthyMs[0]
    },
    stop() {
      clearTimeout(safety)
      child.kill()
    }
  }
}

// ---- The full action --------------------------------------------------------

const at = (report, label, service) =>
  report.timeline.find((e) => e.label === label && (!service || e.service === service))?.atMs

/** Where a run's time went, from the report's timeline and the two steps' wall times. */
function actionPhases(result, wallMs) {
  const { report } = result
  const upStarted = at(report, 'compose up started')
  const healthy = at(report, 'vpn healthy')
  const upDone = at(report, 'compose up done')
  const checksDone = at(report, 'tunnel checks done')
  const mainMs = result.main.seconds * 1000
  const postMs = result.post.seconds * 1000
  return {
    'start → compose up (node, inputs, connect, compose config)': upStarted,
    'compose up → vpn healthy': healthy - upStarted,
    'vpn healthy → compose up done (workers start)': upDone - healthy,
    'tunnel checks': checksDone - upDone,
    'diagnostics, report': report.durationMs - checksDone,
    'outside the report (node boot, outputs, summary)': mainMs - report.durationMs,
    'post step (teardown)': postMs,
    'harness (files, spawn)': wallMs - mainMs - postMs
  }
}

/** What a command of the action is for, from its debug line; undefined for
 * the event stream, which runs the whole step long. */
const COMMAND_KINDS = [
  [/^docker version /, 'docker version (connect)'],
  [/^docker(-compose| compose) .*version --short$/, 'compose version (connect)'],
  [/^docker(-compose| compose) .* config /, 'compose config'],
  [/^docker (ps|network ls|volume ls) /, 'listing (ps, network ls, volume ls)'],
  [/^docker info /, 'docker info (engine clock)'],
  [/^docker (container|network|volume) inspect --format /, 'inventory (inspect created times)'],
  [/^docker container inspect /, 'container inspect (state)'],
  [/^docker(-compose| compose) .* up /, 'compose up'],
  [/^docker exec \S+ sh -c 'cat \/proc\/net\/dev;/, 'exec: counters, probe, counters (one sh -c)'],
  [/^docker exec \S+ sh -c /, 'exec: namespace (readlink + cat)'],
  [/^docker exec \S+ (readlink|cat \/proc\/net\/route)/, 'exec: namespace, no shell'],
  [/^docker exec \S+ (ping|fping|python3) /, 'exec: probe'],
  [/^docker exec \S+ ip route get /, 'exec: ip route get (before the probe)'],
  [/^docker exec \S+ cat \/proc\/net\/dev$/, 'exec: counters (before and after the probe)'],
  [/^docker logs /, 'logs (diagnostics)'],
  [/^docker(-compose| compose) .* ps /, 'compose ps (diagnostics)'],
  [/^docker(-compose| compose) .* down /, 'compose down'],
  [/^docker (rm|network rm|volume rm) /, 'removal by id']
]
const END_LINE = /^::debug::↳ exit (-?\d+) after (\d+) ms \(from \+(\d+) ms\): (.*)$/

/** Every command a step ran, from its debug lines (src/docker/command.ts endLine). */
export function stepCommands(stdout) {
  return stdout.split('\n').flatMap((line) => {
    const end = END_LINE.exec(line)
    if (!end) return []
    const command = end[4]
    const kind = COMMAND_KINDS.find(([pattern]) => pattern.test(command))?.[1]
    if (!kind && command.startsWith('docker events ')) return []
    return [
      {
        kind: kind ?? command.split(' ').slice(0, 3).join(' '),
        exitCode: Number(end[1]),
        ms: Number(end[2]),
        fromMs: Number(end[3])
      }
    ]
  })
}

/** Detection latency: from the engine's healthy event to the action's 'vpn healthy'
 * mark (when its waiter resolved and the checks could begin). Both are wall-clock
 * times on this machine: the engine is local, so they share one clock. */
function detection(report, engineMs, vpnService) {
  const startedMs = Date.parse(report.startedAt)
  const actedMs = startedMs + at(report, 'vpn healthy')
  // The action's own stream: when it read the event (receivedMs, in the timeline).
  const received = at(report, 'health_status: healthy', vpnService)
  const receivedMs = received === undefined ? NaN : startedMs + received
  return { latencyMs: actedMs - engineMs, deliveryMs: receivedMs - engineMs, inspectMs: actedMs - receivedMs }
}

/** One run of the action (main, then post) as a runner would run it, with
 * the defaults of every input the stack does not need to set. */
export async function actionRun(stack, name) {
  const watcher = watchHealthy(name, stack.vpnService)
  try {
    const started = performance.now()
    const result = runAction(
      { 'working-directory': stack.dir, ...stack.inputs, 'project-name': name },
      { workspace: ROOT }
    )
    const wallMs = performance.now() - started
    const engineMs = await watcher.firstHealthy()
    const { report } = result
    // runAction leaves its step files and the report in the temp dir; they are read by now.
    rmSync(dirname(result.summaryPath), { recursive: true, force: true })
    if (result.main.outputs.get('report')) rmSync(result.main.outputs.get('report'), { force: true })
    const passed = result.main.exitCode === 0 && result.post.exitCode === 0 && report?.result === 'passed'
    if (!passed) {
      const why = report
        ? `result ${report.result}`
        : `main exit ${result.main.exitCode}: ${result.main.stdout
            .split('\n')
            .filter((l) => l.startsWith('::error'))
            .join(' ')}`
      return { ok: false, ms: wallMs, error: why }
    }
    const latency = engineMs === undefined ? undefined : detection(report, engineMs, stack.vpnService)
    const commands = { main: stepCommands(result.main.stdout), post: stepCommands(result.post.stdout) }
    return {
      ok: true,
      ms: wallMs,
      phases: actionPhases(result, wallMs),
      detection: latency,
      checks: report.checks,
      commands
    }
  } finally {
    watcher.stop()
  }
}
