// Preflight rules for the vpn service: a healthcheck that proves the tunnel,
// timings that fit health-timeout, and the kernel access openvpn needs.
import type { ServiceModel, Traced } from '../compose/service.js'
import type { Finding } from '../findings.js'
import { findPgrepProbe } from './pgrep.js'
import { finding, type Context } from './wording.js'

/** Compose's healthcheck defaults, in seconds. */
const HEALTHCHECK_DEFAULTS = { interval: 30, timeout: 30, retries: 3, startPeriod: 0 }
const PROVING_PROBE =
  '`test: ["CMD", "grep", "-q", "tun0", "/proc/net/route"]` (passes once a route goes through tun0) or `["CMD-SHELL", "ip route show dev tun0 | grep -q ."]`'

export function vpnChecks(vpn: ServiceModel, context: Context): Finding[] {
  return [...healthcheckChecks(vpn, context), ...kernelAccessChecks(vpn)]
}

function healthcheckChecks(vpn: ServiceModel, context: Context): Finding[] {
  const healthcheck = vpn.healthcheck
  if (!healthcheck || healthcheck.disable) {
    const what = healthcheck
      ? `${vpn.name}'s healthcheck is disabled (\`disable: true\` or test \`NONE\`)`
      : `${vpn.name} has no healthcheck`
    const message = `${what}, so \`condition: service_healthy\` on it cannot be met and \`up --wait\` counts ${vpn.name} ready as soon as it runs, before the tunnel is up (unless its image defines a HEALTHCHECK).`
    return [
      finding(
        'error',
        'healthcheck-missing',
        vpn.name,
        message,
        `Give ${vpn.name} a healthcheck that proves the tunnel, e.g. ${PROVING_PROBE}.`,
        vpn.at
      )
    ]
  }
  const interval = healthcheck.interval?.value ?? HEALTHCHECK_DEFAULTS.interval
  const retries = healthcheck.retries?.value ?? HEALTHCHECK_DEFAULTS.retries
  const startPeriod = healthcheck.startPeriod?.value ?? HEALTHCHECK_DEFAULTS.startPeriod
  return [
    ...probeCheck(vpn.name, healthcheck.test, context),
    ...timeoutCheck(vpn, { interval, retries, startPeriod }, context),
    ...(interval > 5 && !healthcheck.startInterval ? [startIntervalNotice(vpn, interval)] : [])
  ]
}

function probeCheck(vpn: string, test: Traced<string[]> | undefined, { where }: Context): Finding[] {
  const probe = test && findPgrepProbe(test.value)
  if (!test || !probe) return []
  const fix = `Probe the tunnel itself, e.g. ${PROVING_PROBE}.`
  if (probe.inShell) {
    const message = `${vpn}'s healthcheck \`${probe.command}\` (${where(test)}) runs in a shell whose own command line contains the pattern, so pgrep always finds a match: the probe can never fail and proves nothing about the tunnel.`
    return [finding('error', 'healthcheck-lies', vpn, message, fix, test.at)]
  }
  const message = `${vpn}'s healthcheck \`${probe.command}\` (${where(test)}) passes as soon as any process has the pattern in its command line (a wrapper script, a supervisor), whether or not tun0 and its route exist.`
  return [finding('warning', 'healthcheck-lies', vpn, message, fix, test.at)]
}

interface Timing {
  interval: number
  retries: number
  startPeriod: number
}

function timeoutCheck(vpn: ServiceModel, { interval, retries, startPeriod }: Timing, { options }: Context): Finding[] {
  const budget = startPeriod + interval * retries
  if (options.healthTimeoutSec >= budget) return []
  const message = `health-timeout (${options.healthTimeoutSec} s) is shorter than the time Docker may take to call ${vpn.name} unhealthy (start_period ${startPeriod} s + interval ${interval} s × retries ${retries} = ${budget} s): a probe that keeps failing ends in a timeout instead of a clear \`unhealthy\`.`
  return [
    finding(
      'warning',
      'health-timeout',
      vpn.name,
      message,
      `Raise health-timeout to at least ${budget}, or lower the healthcheck's interval or retries.`,
      vpn.healthcheck?.at
    )
  ]
}

function startIntervalNotice(vpn: ServiceModel, interval: number): Finding {
  const healthcheck = vpn.healthcheck!
  const message = `${vpn.name}'s healthcheck probes every ${interval} s and has no start_interval, so ${vpn.name} turns healthy at the earliest ${interval} s after it starts, even when the tunnel is up sooner, and everything that waits for it waits as long.`
  const fix =
    'Add `start_interval: 2s` (with a start_period) to probe often while starting; it needs Docker Engine ≥ 25 (older engines refuse the option), or else shorten the interval.'
  return finding('notice', 'start-interval', vpn.name, message, fix, healthcheck.interval?.at ?? healthcheck.at)
}

/** openvpn needs NET_ADMIN to configure tun0 and its routes, and the tun device to create it. */
function kernelAccessChecks(vpn: ServiceModel): Finding[] {
  if (vpn.privileged?.value) return []
  const findings: Finding[] = []
  const capabilities = vpn.capAdd.map((cap) => cap.value.toUpperCase().replace(/^CAP_/, ''))
  if (!capabilities.includes('NET_ADMIN') && !capabilities.includes('ALL')) {
    findings.push(
      finding(
        'warning',
        'vpn-net-admin',
        vpn.name,
        `${vpn.name} has no NET_ADMIN capability and is not privileged: openvpn cannot bring up tun0 or set its routes.`,
        `Add \`cap_add: [NET_ADMIN]\` to ${vpn.name}.`,
        vpn.at
      )
    )
  }
  if (!vpn.devices.some((device) => device.value.split(':')[0] === '/dev/net/tun')) {
    findings.push(
      finding(
        'warning',
        'vpn-tun-device',
        vpn.name,
        `${vpn.name} does not map /dev/net/tun: unless its image creates the device node itself, openvpn cannot open the tun device.`,
        `Add \`devices: ["/dev/net/tun:/dev/net/tun"]\` to ${vpn.name}.`,
        vpn.at
      )
    )
  }
  return findings
}
