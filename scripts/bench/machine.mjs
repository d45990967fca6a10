// What the numbers were measured on, read at run time.
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg, release, totalmem } from 'node:os'
import { run } from './proc.mjs'

function cpuModel() {
  const line = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('model name'))
  return line ? line.split(':')[1].trim() : 'unknown'
}

function answer(argv) {
  const result = run(argv, { timeoutMs: 20_000 })
  return result.code === 0 ? result.stdout.trim() : 'unavailable'
}

export function machineInfo() {
  return {
    cpus: availableParallelism(),
    cpuModel: cpuModel(),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: release(),
    dockerEngine: answer(['docker', 'version', '--format', '{{.Server.Version}}']),
    compose: answer(['docker', 'compose', 'version', '--short']),
    node: process.version,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')
  }
}
