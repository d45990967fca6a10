// The CLI's plain-text report of a RunReport.
import { seconds } from '../findings.js'
import { place } from './annotations.js'
import type { RunReport } from './schema.js'
import { verdictText } from './summary.js'
import { checkLabel, resilienceWords } from './words.js'

/** The CLI's report: the same content, as plain text for a terminal. */
export function textReport(report: RunReport, workspace: string): string {
  const lines = [`${report.result.toUpperCase()}: ${verdictText(report)}`]
  lines.push(
    `project ${report.project}, mode ${report.mode}, ${seconds(report.durationMs)}, subnets ${report.managementSubnets.join(', ') || 'none'}`
  )
  for (const c of report.checks)
    lines.push(
      `  ${c.verdict === 'passed' ? 'ok  ' : 'FAIL'} ${checkLabel(c).padEnd(9)} ${(c.container ?? c.service).padEnd(28)} ${c.summary}${c.fix ? `\n       fix: ${c.fix}` : ''}`
    )
  for (const words of resilienceWords(report)) lines.push(`  resilience: ${words}`)
  for (const f of report.findings) {
    const p = place(f.location, workspace)
    lines.push(
      `  ${f.level.toUpperCase().padEnd(7)} ${p.file ? `${p.file}:${p.startLine}:${p.startColumn} ` : ''}${f.rule}: ${f.message}${f.fix ? `\n       fix: ${f.fix}` : ''}`
    )
  }
  return lines.join('\n')
}
