#!/usr/bin/env node
// Runs the action the way a GitHub runner does: `node dist/index.js` (main)
// with INPUT_* variables and the GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and
// GITHUB_STATE files, then `node dist/post/index.js` (post) with the state
// main saved: action.yml's runs.main and runs.post.
// Used by `npm run demo` and by the integration tests.
//
//   node scripts/run-action.mjs working-directory=fixtures/stacks/demo probe-targets=10.8.0.10
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(fileURLToPath(import.meta.url), '../..')

/** Reads GitHub's file-command format (`name<<delimiter` blocks, or `name=value`). */
export function parseFileCommands(text) {
  const values = new Map()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      values.set(heredoc[1], lines.slice(i + 1, end).join('\n'))
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      values.set(lines[i].slice(0, at), lines[i].slice(at + 1))
    }
  }
  return values
}

/** The environment and files of one step, as the runner prepares them. */
function stepEnv(inputs, extraEnv, files, workspace) {
  // The Docker CLI's own settings (DOCKER_HOST, DOCKER_CONTEXT, ...) pass
  // through, as a job's environment does on the runner: they select the engine,
  // e.g. Engine 26 from scripts/use-engine.sh.
  const docker = Object.entries(process.env).filter(([name]) => name.startsWith('DOCKER_'))
  const env = {
    ...Object.fromEntries(docker),
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: tmpdir(),
    ...extraEnv
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  writeFileSync(files.output, '')
  writeFileSync(files.summary, '')
  writeFileSync(files.state, '')
  return env
}

/** What a step left: its exit code and output, and the files it wrote. */
function stepRun(status, stdout, stderr, files, started, echo) {
  // Like the runner, show debug lines only when step debugging is on.
  const shown = process.env.ACTIONS_STEP_DEBUG ? stdout : stdout.replace(/^::debug::.*\n/gm, '')
  if (echo) process.stdout.write(shown + stderr)
  return {
    exitCode: status ?? -1,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(files.output, 'utf8')),
    state: parseFileCommands(readFileSync(files.state, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    seconds: (Date.now() - started) / 1000
  }
}

const MAIN = [process.execPath, join(ROOT, 'dist/index.js')]
const POST = [process.execPath, join(ROOT, 'dist/post/index.js')]

function step(entry, inputs, extraEnv, files, workspace, echo) {
  const env = stepEnv(inputs, extraEnv, files, workspace)
  const started = Date.now()
  const result = spawnSync(entry[0], entry.slice(1), {
    env,
    encoding: 'utf8',
    timeout: 20 * 60_000,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  return stepRun(result.status, result.stdout, result.stderr, files, started, echo)
}

/** Main as a child that runs on while `onLine` sees each line it prints, so
 * that a test can act at a known moment of the run. `onLine`'s second
 * argument cancels the step: SIGTERM, as the runner sends on cancellation. */
function watchedStep(inputs, extraEnv, files, workspace, onLine) {
  const env = stepEnv(inputs, extraEnv, files, workspace)
  const started = Date.now()
  const child = spawn(MAIN[0], MAIN.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const output = { stdout: '', stderr: '' }
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output.stderr += chunk))
  child.stdout.setEncoding('utf8')
  createInterface({ input: child.stdout }).on('line', (line) => {
    output.stdout += `${line}\n`
    onLine(line, () => child.kill('SIGTERM'))
  })
  const safety = setTimeout(() => child.kill('SIGKILL'), 20 * 60_000)
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(safety)
      resolve(stepRun(status, output.stdout, output.stderr, files, started, false))
    })
  )
}

function stepFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'otc-run-'))
  return (name) => ({
    output: join(dir, `${name}-output`),
    state: join(dir, `${name}-state`),
    summary: join(dir, `${name}-summary.md`)
  })
}

/** The post step alone, with the state a main step saved: the runner runs
 * the post steps at the end of the job, after every other step. */
export function runPost(inputs, state, options = {}, files = stepFiles()) {
  const stateEnv = Object.fromEntries([...state].map(([name, value]) => [`STATE_${name}`, value]))
  const workspace = options.workspace ?? process.cwd()
  return step(POST, inputs, { ...options.env, ...stateEnv }, files('post'), workspace, options.echo)
}

/** Post with the state main saved, and the whole run: both steps and the JSON report. */
function withPost(main, inputs, options, files) {
  const post = options.post === false ? undefined : runPost(inputs, main.state, options, files)
  const reportPath = main.outputs.get('report')
  return {
    main,
    post,
    report: reportPath ? JSON.parse(readFileSync(reportPath, 'utf8')) : undefined,
    summaryPath: files('main').summary
  }
}

/** Main, then post with the state main saved. Returns both steps and the JSON report. */
export function runAction(inputs, options = {}) {
  const files = stepFiles()
  const workspace = options.workspace ?? process.cwd()
  const main = step(MAIN, inputs, options.env ?? {}, files('main'), workspace, options.echo)
  return withPost(main, inputs, options, files)
}

/** As runAction, but main runs in the background and `options.onMainLine`
 * sees each line of its output as it is printed. */
export async function runActionWatched(inputs, options) {
  const files = stepFiles()
  const workspace = options.workspace ?? process.cwd()
  const main = await watchedStep(inputs, options.env ?? {}, files('main'), workspace, options.onMainLine)
  return withPost(main, inputs, options, files)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const inputs = Object.fromEntries(
    process.argv.slice(2).map((arg) => [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)])
  )
  const run = runAction(inputs, { echo: true })
  console.log(`\nOutputs: ${JSON.stringify(Object.fromEntries(run.main.outputs))}`)
  console.log(`Job summary (Markdown): ${run.summaryPath}`)
  process.exitCode = run.main.exitCode || run.post?.exitCode || 0
}
