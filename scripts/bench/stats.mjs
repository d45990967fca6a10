// Medians and plain-text tables for the benchmark output.

export function median(values) {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function ms(value) {
  if (!Number.isFinite(value)) return 'n/a'
  if (Math.abs(value) >= 10_000) return `${(value / 1000).toFixed(1)} s`
  return Math.abs(value) < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`
}

/** min–max, so that a reader sees the spread behind a median. */
export function range(values) {
  return values.length ? `${ms(Math.min(...values))}–${ms(Math.max(...values))}` : 'n/a'
}

/** A left-aligned text table; rows are arrays of strings. */
export function table(header, rows) {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => String(row[i]).length)))
  const line = (row) =>
    row
      .map((cell, i) => String(cell).padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
