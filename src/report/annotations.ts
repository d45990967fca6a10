// GitHub annotations for a RunReport: failed checks first, then findings by
// level, within GitHub's per-step limits, each placed on its file and line.
import { isAbsolute, relative } from 'node:path'
import type { CheckResult, Finding, FindingLevel, SourceLocation } from '../findings.js'
import type { RunReport } from './schema.js'
import { resilienceWords } from './words.js'

export interface Annotation {
  level: FindingLevel
  title: string
  message: string
  file?: string
  startLine?: number
  startColumn?: number
}

/** GitHub shows at most this many annotations of each level per step. */
export const ANNOTATIONS_PER_LEVEL = 10
const LEVEL_ORDER: FindingLevel[] = ['error', 'warning', 'notice']

export function place(
  location: SourceLocation | undefined,
  workspace: string
): Pick<Annotation, 'file' | 'startLine' | 'startColumn'> {
  if (!location) return {}
  // Relative to the workspace, where GitHub places annotations; a file outside it stays absolute.
  const inside = isAbsolute(location.file) ? relative(workspace, location.file) : location.file
  const file = inside.startsWith('..') ? location.file : inside
  return { file, startLine: location.line, startColumn: location.column }
}

function checkAnnotation(check: CheckResult, workspace: string): Annotation {
  const fix = check.fix ? ` Fix: ${check.fix}` : ''
  return {
    level: 'error',
    title: `${check.service}: ${check.check} check failed${check.event ? ` after ${check.event}` : ''}`,
    message: `${check.summary}${fix}`,
    ...place(check.location, workspace)
  }
}

function findingAnnotation(finding: Finding, workspace: string): Annotation {
  const fix = finding.fix ? ` Fix: ${finding.fix}` : ''
  const subject = finding.service ? `${finding.service}: ` : ''
  return {
    level: finding.level,
    title: `${subject}${finding.rule}`,
    message: `${finding.message}${fix}`,
    ...place(finding.location, workspace)
  }
}

/** Failed checks first, then findings by level; at most ten of a level, the
 * tenth saying how many more the summary holds. */
export function annotationsFor(report: RunReport, workspace: string): Annotation[] {
  const all = [
    ...report.checks.filter((check) => check.verdict === 'failed').map((check) => checkAnnotation(check, workspace)),
    ...report.findings.map((finding) => findingAnnotation(finding, workspace))
  ]
  if (report.result === 'passed')
    all.push({
      level: 'notice',
      title: report.mode === 'lint' ? 'Tunnel wiring checked' : 'Tunnel verified',
      message: passMessage(report)
    })
  return LEVEL_ORDER.flatMap((level) => {
    const ofLevel = all.filter((annotation) => annotation.level === level)
    if (ofLevel.length <= ANNOTATIONS_PER_LEVEL) return ofLevel
    const kept = ofLevel.slice(0, ANNOTATIONS_PER_LEVEL - 1)
    const more = ofLevel.length - kept.length
    return [
      ...kept,
      {
        level,
        title: `${more} more ${level}s`,
        message: `${more} more ${level}s are listed in the job summary and the JSON report.`
      }
    ]
  })
}

function passMessage(report: RunReport): string {
  if (report.mode === 'lint')
    return `The compose model wires the tunnel correctly (${report.findings.length} findings, none an error).`
  const services = [...new Set(report.checks.filter((c) => c.check === 'namespace').map((c) => c.service))]
  const reach = report.checks.filter((c) => c.check === 'reach' && !c.event).length
  const events = resilienceWords(report)
  return `${services.join(', ')} share the vpn namespace and route ${report.managementSubnets.join(', ')} over the tunnel${reach ? `; ${reach} probes answered` : ''}${events.length ? `; ${events.join(', ')}` : ''}.`
}
