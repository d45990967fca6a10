// The job summary for a RunReport: verdict, causes, checks, findings, a
// Mermaid timeline and folded diagnostics, within GitHub's 1 MiB limit.
import { probeLine } from '../docker/inspect.js'
import { seconds, type CheckResult, type Finding } from '../findings.js'
import { place } from './annotations.js'
import { logBody, logTitle } from './logs.js'
import type { RunReport, TimelineEntry } from './schema.js'
import { checkLabel, resilienceWords } from './words.js'

/** GitHub refuses step summaries over 1 MiB; keep a margin. */
export const SUMMARY_LIMIT_BYTES = 1000 * 1000
/** Each diagnostic block in the summary is cut to this many characters. */
const DIAGNOSTIC_BLOCK_CHARS = 20_000

function cell(text: string | number | boolean): string {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, '<br>')
}

function evidenceText(check: CheckResult): string {
  return Object.entries(check.evidence)
    .map(([key, value]) => `${key}: \`${String(value).replace(/`/g, "'")}\``)
    .join('<br>')
}

const ICON = { passed: '✅', failed: '❌', error: '❌', warning: '⚠️', notice: 'ℹ️' } as const

/** `healthy`, or `running (no healthcheck)` for a vpn service without one. */
function vpnReadiness(report: RunReport): string {
  const health = report.checks.find((c) => c.check === 'health' && !c.event && c.verdict === 'passed')
  return health?.evidence.health === 'no healthcheck' ? 'running (no healthcheck)' : 'healthy'
}

function headline(report: RunReport): string[] {
  const healthy =
    report.healthyAfterSec !== undefined ? `, vpn ${vpnReadiness(report)} after ${report.healthyAfterSec} s` : ''
  const events = resilienceWords(report)
  const verdict = `${report.result === 'passed' ? '✅' : '❌'} ${verdictText(report)}`
  return [
    `## ${verdict}`,
    '',
    `Project \`${report.project}\`, mode \`${report.mode}\`, ${seconds(report.durationMs)}${healthy}${events.length ? `, ${events.join(', ')}` : ''}. Subnets: ${report.managementSubnets.join(', ') || 'none'}.`,
    ''
  ]
}

function ms(value: number | undefined): string {
  return value === undefined ? '' : seconds(value)
}

/** One row per worker and event: how long it took to come back, or that it did not. */
function resilienceTable(report: RunReport): string[] {
  const events = report.resilience ?? []
  if (events.length === 0) return []
  const rows = events.flatMap((event) => [
    `| ${event.vpn.healthyAfterMs === undefined ? ICON.failed : ICON.passed} | ${event.event} | ${cell(event.action)} | vpn | ${ms(event.vpn.healthyAfterMs) || 'not ready'} |`,
    ...event.workers.map(
      (w) =>
        `| ${w.recoveredAfterMs === undefined ? ICON.failed : ICON.passed} | ${event.event} | | ${cell(w.container)} | ${ms(w.recoveredAfterMs) || 'not back'} |`
    )
  ])
  return ['### Resilience', '', '| | event | action | container | back after |', '|---|---|---|---|---|', ...rows, '']
}

export function verdictText(report: RunReport): string {
  if (report.mode === 'lint')
    return report.result === 'passed' ? 'Compose files wire the tunnel correctly' : 'Compose files break the tunnel'
  return report.result === 'passed' ? 'Management tunnel works' : 'Management tunnel check failed'
}

/** The causes, first thing a reader sees when the run failed. */
function causes(report: RunReport): string[] {
  const failedChecks = report.checks
    .filter((c) => c.verdict === 'failed')
    .map((c) => `**${c.service}** (${checkLabel(c)}): ${c.summary}${c.fix ? ` — *Fix:* ${c.fix}` : ''}`)
  const errors = report.findings
    .filter((f) => f.level === 'error')
    .map((f) => `**${f.service ?? 'compose'}** (${f.rule}): ${f.message}${f.fix ? ` — *Fix:* ${f.fix}` : ''}`)
  return [...failedChecks, ...errors]
}

function checksTable(checks: CheckResult[]): string[] {
  if (checks.length === 0) return []
  return [
    '### Checks',
    '',
    '| | service | check | container | result | evidence | time |',
    '|---|---|---|---|---|---|---|',
    ...checks.map(
      (c) =>
        `| ${ICON[c.verdict]} | ${cell(c.service)} | ${checkLabel(c)} | ${cell(c.container ?? '')} | ${cell(c.summary)} | ${evidenceText(c)} | ${c.durationMs} ms |`
    ),
    ''
  ]
}

function findingsTable(findings: Finding[], workspace: string): string[] {
  if (findings.length === 0) return []
  const where = (f: Finding): string => {
    const p = place(f.location, workspace)
    return p.file ? `\`${p.file}:${p.startLine}\`` : ''
  }
  return [
    '### Preflight findings',
    '',
    '| | rule | service | where | finding |',
    '|---|---|---|---|---|',
    ...findings.map(
      (f) =>
        `| ${ICON[f.level]} | ${f.rule} | ${cell(f.service ?? '')} | ${where(f)} | ${cell(f.message + (f.fix ? ` Fix: ${f.fix}` : ''))} |`
    ),
    ''
  ]
}

/** Mermaid's timeline syntax uses ':' and '#' itself; keep labels free of them. */
function timelineLabel(entry: TimelineEntry): string {
  const action = entry.label.replace(/^health_status:\s*/, 'health ').replace(/[:#;]/g, ' ')
  return entry.service ? `${entry.service} ${action}` : action
}

export function mermaidTimeline(timeline: TimelineEntry[]): string[] {
  if (timeline.length === 0) return []
  const buckets = new Map<string, string[]>()
  for (const entry of timeline) {
    const at = seconds(entry.atMs)
    buckets.set(at, [...(buckets.get(at) ?? []), timelineLabel(entry)])
  }
  const lines = [...buckets].map(([at, labels]) => `    ${at} : ${labels.join(' : ')}`)
  return ['### Timeline', '', '```mermaid', 'timeline', ...lines, '```', '']
}

function details(title: string, body: string): string[] {
  if (!body.trim()) return []
  const cut =
    body.length > DIAGNOSTIC_BLOCK_CHARS
      ? `…(first ${body.length - DIAGNOSTIC_BLOCK_CHARS} characters cut)\n${body.slice(-DIAGNOSTIC_BLOCK_CHARS)}`
      : body
  return [
    '<details>',
    `<summary>${title}</summary>`,
    '',
    '```text',
    cut.replace(/```/g, "'''"),
    '```',
    '',
    '</details>',
    ''
  ]
}

function diagnostics(report: RunReport): string[] {
  const d = report.diagnostics
  if (!d) return []
  const probes = d.vpnProbes.map(probeLine).join('\n')
  return [
    '### Diagnostics',
    '',
    ...details('vpn service: last health probes', probes),
    ...(d.logs ?? []).flatMap((log) => details(logTitle(log), logBody(log))),
    ...d.routeTables.flatMap((t) =>
      details(`routes of ${t.container} (${t.namespace})${t.event ? ` after ${t.event}` : ''}`, t.table)
    ),
    ...details('docker compose ps', d.composePs),
    ...details('docker compose up output', d.composeOutput)
  ]
}

export function summaryMarkdown(report: RunReport, workspace: string): string {
  const found = causes(report)
  const head = [
    ...headline(report),
    ...(found.length ? ['**Why:**', '', ...found.slice(0, 5).map((c) => `- ${c}`), ''] : [])
  ]
  const body = [
    ...resilienceTable(report),
    ...checksTable(report.checks),
    ...findingsTable(report.findings, workspace),
    ...mermaidTimeline(report.timeline)
  ]
  const full = [...head, ...body, ...diagnostics(report)].join('\n')
  if (Buffer.byteLength(full) <= SUMMARY_LIMIT_BYTES) return full
  const lean = [
    ...head,
    ...body,
    "_Diagnostics left out: the summary would exceed GitHub's 1 MiB limit; they are in the JSON report._"
  ].join('\n')
  return Buffer.byteLength(lean) <= SUMMARY_LIMIT_BYTES
    ? lean
    : [...head, '_Tables left out for size; see the JSON report._'].join('\n')
}
