// Validates a JSON report (a RunReport as the action writes it) against the
// published schema, docs/report.schema.json. Used by the unit test of the
// schema and by the integration tests on every real report they produce.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
// ajv and ajv-formats are CommonJS: under NodeNext (and Jest's ESM mode) the
// default import is module.exports, whose `default` property is the export.
import Ajv2020Module from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { ErrorObject, ValidateFunction } from 'ajv'

const Ajv2020 = Ajv2020Module.default
const addFormats = addFormatsModule.default

/** The repository root: this file is __tests__/helpers/report-schema.ts. */
const ROOT = join(import.meta.dirname, '..', '..')
export const REPORT_SCHEMA_PATH = join(ROOT, 'docs', 'report.schema.json')

let compiled: ValidateFunction | undefined

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true })
    addFormats(ajv)
    compiled = ajv.compile(JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')) as object)
  }
  return compiled
}

function explain(error: ErrorObject): string {
  const at = error.instancePath || '/'
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at}: unknown property '${(error.params as { additionalProperty: string }).additionalProperty}'`
    case 'required':
      return `${at}: missing property '${(error.params as { missingProperty: string }).missingProperty}'`
    case 'enum':
      return `${at}: ${error.message} (${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
    case 'const':
      return `${at}: must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`
    case 'false schema':
      return `${at}: must not be present here`
    default:
      return `${at}: ${error.message ?? error.keyword}`
  }
}

/**
 * Checks a report (the parsed JSON, or a RunReport object: it is serialized
 * and parsed first, as the action writes it) against docs/report.schema.json.
 * Returns no errors when it is valid, otherwise one readable line per
 * problem, each starting with the JSON pointer of the offending value.
 */
export function validateReport(report: unknown): string[] {
  const json: unknown = report === undefined ? undefined : JSON.parse(JSON.stringify(report))
  const validate = validator()
  if (validate(json)) return []
  // `if`/`then` report their own failure as well as the one inside: keep the inside.
  const errors = (validate.errors ?? []).filter((error) => error.keyword !== 'if')
  return [...new Set(errors.map(explain))]
}
