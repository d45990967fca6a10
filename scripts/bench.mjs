#!/usr/bin/env node
// npm run bench: measures the action on the real engine against its targets.
//
//   1. full action (main + post) vs. plain `compose up -d --wait` + `down -v -t 1`,
//      on the demo stack and on a second stack written apart from the action ratio ≤ 1.10
//   2. detection latency: engine's healthy event → the action acting on it  < 250 ms
//   3. lint of a generated 1,000-service compose file vs. `docker compose
//      config -q` on the same file, both as whole processes                 ratio ≤ 0.60
//   4. cold start: `node dist/index.js` (lint, demo stack) − `node -e 0`     < 150 ms
//
// Options: --runs N (pairs per stack for 1 and 2, default 7), --stacks
// demo,slow-gateway, --lint-runs N (10), --cold-runs N (15), --only
// stack,lint,cold, --json FILE (raw samples).
// Method and results: docs/benchmarks.md. Uses the committed dist/ as is.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { writeStack } from './bench/compose-gen.mjs'
import { disposeStep, DIST, lintRun, nodeFloorRun, stepEnv } from './bench/lint.mjs'
import { machineInfo } from './bench/machine.mjs'
import { must, run } from './bench/proc.mjs'
import { actionRun, cleanupAll, DEMO, ensureGone, newProject, plainRun, STACKS } from './bench/stack.mjs'
import { median, ms, range, table } from './bench/stats.mjs'
import { ROOT } from './run-action.mjs'

const TARGETS = { ratio: 1.1, detectionMs: 250, lintRatio: 0.6, coldStartMs: 150 }
/** Lint runs stop early (after at least 3 rounds) past this budget: a lint far
 * over its target needs no ten runs to show it, and must not hold the bench up. */
const LINT_BUDGET_MS = 120_000

const log = (line = '') => process.stdout.write(`${line}\n`)

function readOptions() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '7' },
      stacks: { type: 'string', default: STACKS.map((stack) => stack.name).join(',') },
      'lint-runs': { type: 'string', default: '10' },
      'cold-runs': { type: 'string', default: '15' },
      only: { type: 'string', default: 'stack,lint,cold' },
      json: { type: 'string' }
    }
  })
  const count = (name) => {
    const n = Number(values[name])
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not '${values[name]}'`)
    return n
  }
  const stacks = values.stacks.split(',').map((name) => {
    const stack = STACKS.find((known) => known.name === name)
    if (!stack) throw new Error(`--stacks: no stack '${name}' (known: ${STACKS.map((k) => k.name).join(', ')})`)
    return stack
  })
  return {
    pairs: count('runs'),
    stacks,
    lintRuns: count('lint-runs'),
    coldRuns: count('cold-runs'),
    only: new Set(values.only.split(',')),
    json: values.json
  }
}

/** A,B then B,A, round after round, so that slow drift (caches, a neighbour's load) hits all sides alike. */
function ordered(i, ...sides) {
  return i % 2 === 0 ? sides : [...sides].reverse()
}

/** The runs block in spawnSync; between them, let a pending SIGINT/SIGTERM
 * handler run (it tears down and exits) instead of starting another run. */
function yieldToSignals() {
  return new Promise((resolve) => setImmediate(resolve))
}

// ---- 1 + 2: the stacks --------------------------------------------------------

async function oneStackRun(stack, kind) {
  const name = newProject(stack, kind)
  let sample
  try {
    sample = kind === 'action' ? await actionRun(stack, name) : plainRun(stack, name)
  } catch (error) {
    sample = { ok: false, error: error.message }
  } finally {
    // For the action, anything left means its post step did not tear down.
    const left = ensureGone(name)
    if (left > 0 && sample)
      Object.assign(sample, { ok: false, error: `${sample.error ?? 'run passed'}; left ${left} resources behind` })
  }
  return { project: name, ...sample }
}

async function benchStack(stack, pairs) {
  log(`\n## 1+2. Stack ${stack.name}: full action vs. plain Compose, ${pairs} alternated pairs`)
  const samples = { action: [], plain: [] }
  for (let i = 0; i < pairs; i++) {
    for (const kind of ordered(i, 'action', 'plain')) {
      await yieldToSignals()
      const sample = await oneStackRun(stack, kind)
      samples[kind].push(sample)
      const detail = !sample.ok
        ? `FAILED: ${sample.error}`
        : sample.detection
          ? `detection ${ms(sample.detection.latencyMs)}`
          : ''
      log(`  pair ${i + 1}/${pairs}  ${kind.padEnd(6)}  ${ms(sample.ms).padStart(7)}  ${detail}`)
    }
  }
  return summarizeStack(samples)
}

/** Median of each named phase over the samples that have it. */
function phaseMedians(samples) {
  const names = Object.keys(samples[0]?.phases ?? {})
  return names.map((name) => [name, median(samples.map((s) => s.phases[name]).filter(Number.isFinite))])
}

/** Per step and kind of command: how many a run ran, and their median duration. */
function commandMedians(samples) {
  const rows = []
  for (const step of ['main', 'post']) {
    const kinds = [...new Set(samples.flatMap((s) => s.commands[step].map((c) => c.kind)))]
    for (const kind of kinds) {
      const perRun = samples.map((s) => s.commands[step].filter((c) => c.kind === kind))
      rows.push([
        step,
        kind,
        String(median(perRun.map((list) => list.length))),
        ms(median(perRun.flat().map((c) => c.ms)))
      ])
    }
  }
  return rows
}

/** Median duration of each kind of check (health, tunnel, reach…) over the runs. */
function checkMedians(samples) {
  const byCheck = new Map()
  for (const check of samples.flatMap((s) => s.checks))
    byCheck.set(check.check, [...(byCheck.get(check.check) ?? []), check.durationMs])
  return [...byCheck].map(([name, values]) => [name, median(values)])
}

function summarizeStack(samples) {
  const ok = (list) => list.filter((s) => s.ok)
  const action = ok(samples.action)
  const plain = ok(samples.plain)
  const actionMs = median(action.map((s) => s.ms))
  const plainMs = median(plain.map((s) => s.ms))
  const detections = action.map((s) => s.detection).filter(Boolean)
  // Each pair ran back to back, so its own ratio is immune to drift between pairs.
  const pairRatios = samples.action
    .map((a, i) => (a.ok && samples.plain[i]?.ok ? a.ms / samples.plain[i].ms : NaN))
    .filter(Number.isFinite)
  const result = {
    actionMs,
    plainMs,
    ratio: actionMs / plainMs,
    pairRatio: median(pairRatios),
    failures: samples.action.length + samples.plain.length - action.length - plain.length,
    detectionMs: median(detections.map((d) => d.latencyMs)),
    deliveryMs: median(detections.map((d) => d.deliveryMs)),
    inspectMs: median(detections.map((d) => d.inspectMs)),
    detectionSamples: detections.length,
    samples
  }
  log()
  log(
    table(
      ['side', 'median', 'range', 'runs ok'],
      [
        [
          'full action (main + post)',
          ms(actionMs),
          range(action.map((s) => s.ms)),
          `${action.length}/${samples.action.length}`
        ],
        [
          'plain up -d --wait + down -v -t 1',
          ms(plainMs),
          range(plain.map((s) => s.ms)),
          `${plain.length}/${samples.plain.length}`
        ],
        ['ratio of the medians', result.ratio.toFixed(2), '', ''],
        [
          'median of the per-pair ratios',
          result.pairRatio.toFixed(2),
          pairRatios.length ? `${Math.min(...pairRatios).toFixed(2)}–${Math.max(...pairRatios).toFixed(2)}` : 'n/a',
          `${pairRatios.length} pairs`
        ]
      ]
    )
  )
  log("\nWhere the action's time goes (medians):")
  log(
    table(
      ['phase', 'median'],
      phaseMedians(action).map(([name, value]) => [name, ms(value)])
    )
  )
  log("\nThe action's commands (from its debug lines; many run at the same time, see docs/benchmarks.md):")
  log(table(['step', 'command', 'per run', 'median'], commandMedians(action)))
  log("\nThe action's checks (medians of each check's durationMs in the report; reach checks run in parallel):")
  log(
    table(
      ['check', 'median'],
      checkMedians(action).map(([name, value]) => [name, ms(value)])
    )
  )
  log('\nPlain Compose (medians):')
  log(
    table(
      ['phase', 'median'],
      phaseMedians(plain).map(([name, value]) => [name, ms(value)])
    )
  )
  log(
    `\nDetection latency over ${detections.length} runs: median ${ms(result.detectionMs)} (range ${range(detections.map((d) => d.latencyMs))});`
  )
  log(
    `  of which event delivery to the action's stream ${ms(result.deliveryMs)}, its inspect until acting ${ms(result.inspectMs)}.`
  )
  return result
}

// ---- 3: lint of 1,000 services vs. docker compose config -q ------------------

/** Generated stacks by number of services: the target size, one in between to
 * show how time grows, and the smallest stack the action accepts (openvpn + 1
 * worker: tunnel-services must name a service other than the vpn). */
const LINT_SIZES = [1000, 100, 2]

function lintStack(root, services) {
  const dir = join(root, String(services))
  const workers = writeStack(dir, services - 1)
  return {
    services,
    dir,
    env: stepEnv({ mode: 'lint', 'working-directory': dir, 'tunnel-services': workers.join(',') }),
    samples: []
  }
}

/** `docker compose config -q` on a generated stack, as a whole process; it must
 * accept the file, or the comparison means nothing. */
function composeConfigRun(dir) {
  return must(['docker', 'compose', 'config', '-q'], { cwd: dir, timeoutMs: 120_000 }).ms
}

/** Lints each size and runs `docker compose config -q` on the 1,000-service
 * file, alternating the order, within the time budget. */
async function benchLint(runs) {
  log(`\n## 3. Lint: generated stacks, node dist/index.js with mode lint, vs. docker compose config -q`)
  const root = mkdtempSync(join(tmpdir(), 'otc-bench-lint-'))
  const stacks = []
  try {
    stacks.push(...LINT_SIZES.map((services) => lintStack(root, services)))
    const [big, , small] = stacks
    const compose = { samples: [], measure: () => composeConfigRun(big.dir) }
    const sides = [
      ...stacks.map((stack) => ({ stack, samples: stack.samples, measure: () => lintRun(stack.env) })),
      compose
    ]
    for (const side of sides) side.measure() // warm-up: file cache, not measured
    const started = performance.now()
    let budgetHit = false
    for (let i = 0; i < runs; i++) {
      if (i >= 3 && performance.now() - started > LINT_BUDGET_MS) {
        budgetHit = true
        break
      }
      await yieldToSignals()
      for (const side of ordered(i, ...sides)) side.samples.push(side.measure())
      log(
        `  run ${i + 1}/${runs}  ${stacks.map((stack) => `${stack.services} services ${ms(stack.samples.at(-1))}`).join('  ')}  compose config ${ms(compose.samples.at(-1))}`
      )
    }
    const medians = Object.fromEntries(stacks.map((stack) => [stack.services, median(stack.samples)]))
    const composeConfigMs = median(compose.samples)
    // Each round ran both back to back, so its own ratio is immune to drift between rounds.
    const roundRatios = big.samples.map((lint, i) => lint / compose.samples[i])
    const result = {
      medians,
      lint1000Ms: medians[1000],
      composeConfigMs,
      ratio: medians[1000] / composeConfigMs,
      roundRatio: median(roundRatios),
      runs: big.samples.length,
      budgetHit,
      samples: {
        ...Object.fromEntries(stacks.map((stack) => [stack.services, stack.samples])),
        compose: compose.samples
      }
    }
    log()
    log(
      table(
        ['process', 'median', 'range', 'beyond the 2-service stack, per service'],
        [
          ...stacks.map((stack) => [
            `lint, ${stack.services} services (openvpn + ${stack.services - 1} worker${stack.services > 2 ? 's' : ''})`,
            ms(medians[stack.services]),
            range(stack.samples),
            stack === small
              ? ''
              : `${((medians[stack.services] - medians[small.services]) / (stack.services - small.services)).toFixed(2)} ms`
          ]),
          ['docker compose config -q, 1,000 services', ms(composeConfigMs), range(compose.samples), ''],
          ['ratio of the medians (lint 1,000 / compose config)', result.ratio.toFixed(2), '', ''],
          [
            'median of the per-round ratios',
            result.roundRatio.toFixed(2),
            `${Math.min(...roundRatios).toFixed(2)}–${Math.max(...roundRatios).toFixed(2)}`,
            `${roundRatios.length} rounds`
          ]
        ]
      )
    )
    if (budgetHit) log(`  (stopped after ${result.runs} runs: past the ${LINT_BUDGET_MS / 1000} s budget)`)
    return result
  } finally {
    for (const stack of stacks) disposeStep(stack.env)
    rmSync(root, { recursive: true, force: true })
  }
}

// ---- 4: cold start -------------------------------------------------------------

async function benchColdStart(runs) {
  log(`\n## 4. Cold start: node dist/index.js (lint, demo stack) vs. node -e 0, ${runs} alternated runs`)
  const env = stepEnv({ mode: 'lint', 'working-directory': DEMO })
  const action = []
  const floor = []
  try {
    lintRun(env) // warm-up, not measured
    nodeFloorRun(env)
    for (let i = 0; i < runs; i++) {
      await yieldToSignals()
      for (const side of ordered(i, 'action', 'floor')) {
        if (side === 'action') action.push(lintRun(env))
        else floor.push(nodeFloorRun(env))
      }
    }
  } finally {
    disposeStep(env)
  }
  const result = { actionMs: median(action), floorMs: median(floor), samples: { action, floor } }
  result.overheadMs = result.actionMs - result.floorMs
  log()
  log(
    table(
      ['process', 'median', 'range'],
      [
        ['node dist/index.js (lint, demo)', ms(result.actionMs), range(action)],
        ['node -e 0', ms(result.floorMs), range(floor)],
        ['overhead', ms(result.overheadMs), '']
      ]
    )
  )
  return result
}

// ---- Report --------------------------------------------------------------------

function verdictRows(results) {
  const rows = []
  const add = (metric, value, shown, target, met) =>
    rows.push([
      metric,
      Number.isFinite(value) ? shown : 'n/a',
      target,
      Number.isFinite(value) ? (met ? 'yes' : 'NO') : 'n/a'
    ])
  for (const [name, stack] of Object.entries(results.stacks ?? {})) {
    const { ratio, actionMs, plainMs, detectionMs } = stack
    add(
      `${name}: full action / plain compose`,
      ratio,
      `${ratio.toFixed(2)} (${ms(actionMs)} / ${ms(plainMs)})`,
      `≤ ${TARGETS.ratio.toFixed(2)}`,
      ratio <= TARGETS.ratio
    )
    add(
      `${name}: detection latency`,
      detectionMs,
      ms(detectionMs),
      `< ${TARGETS.detectionMs} ms`,
      detectionMs < TARGETS.detectionMs
    )
  }
  if (results.lint) {
    const { ratio, lint1000Ms, composeConfigMs } = results.lint
    add(
      'lint 1,000 services / compose config -q',
      ratio,
      `${ratio.toFixed(2)} (${ms(lint1000Ms)} / ${ms(composeConfigMs)})`,
      `≤ ${TARGETS.lintRatio.toFixed(2)}`,
      ratio <= TARGETS.lintRatio
    )
  }
  if (results.cold) {
    const { overheadMs } = results.cold
    add(
      'cold start overhead',
      overheadMs,
      ms(overheadMs),
      `< ${TARGETS.coldStartMs} ms`,
      overheadMs < TARGETS.coldStartMs
    )
  }
  return rows
}

function printMachine(machine) {
  log('## Machine')
  log(
    table(
      ['item', 'value'],
      Object.entries(machine).map(([key, value]) => [key, String(value)])
    )
  )
  const others = run(['docker', 'ps', '--quiet'], { timeoutMs: 30_000 }).stdout.split('\n').filter(Boolean).length
  log(`Containers already running on the engine: ${others} (a busy engine makes the stack numbers noisy).`)
}

async function main() {
  const options = readOptions()
  log('Building the fixture images if needed (scripts/build-fixtures.sh)…')
  must(['bash', join(ROOT, 'scripts/build-fixtures.sh')], { timeoutMs: 30 * 60_000 })
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build first.`)
  const machine = machineInfo()
  printMachine(machine)
  const results = { machine, startedAt: new Date().toISOString() }
  if (options.only.has('stack')) {
    results.stacks = {}
    for (const stack of options.stacks) results.stacks[stack.name] = await benchStack(stack, options.pairs)
  }
  if (options.only.has('lint')) results.lint = await benchLint(options.lintRuns)
  if (options.only.has('cold')) results.cold = await benchColdStart(options.coldRuns)
  results.loadAfter = machineInfo().load
  log('\n## Summary (medians)')
  log(table(['metric', 'median', 'target', 'met?'], verdictRows(results)))
  log(`Load average before → after: ${machine.load} → ${results.loadAfter}`)
  if (options.json) writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`)
  // Failed runs make the medians suspect; a missed target is a result, not an error.
  const failures = Object.values(results.stacks ?? {}).reduce((sum, stack) => sum + stack.failures, 0)
  if (failures) {
    log(`\n${failures} stack run(s) failed; their times are not in the medians.`)
    process.exitCode = 1
  }
}

// Tear down whatever is still up, however the bench ends.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanupAll()
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15))
  })
}
try {
  await main()
} catch (error) {
  log(`\nbench failed: ${error.message}`)
  process.exitCode = 1
} finally {
  cleanupAll()
}
