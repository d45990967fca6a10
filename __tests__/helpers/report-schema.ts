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
    // Strict, so that a typo in the schema is an error rather than a keyword
    // that silently checks nothing; `required` in the if/then rules names
    // properties defined at the top level, which strictRequired cannot see.
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true
    })
    addFormats(ajv)
    compiled = ajv.compile(JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')) as object)
  }
  return compiled
}

/** The constant properties a `contains` rule asks for, e.g. `check "route", verdict "passed"`. */
function wanted(schema: unknown): string {
  const properties = (schema as { properties?: Record<string, { const?: unknown }> }).properties ?? {}
  const constants = Object.entries(properties).filter(([, property]) => 'const' in property)
  return (
    constants.map(([name, property]) => `${name} ${JSON.stringify(property.const)}`).join(', ') ||
    JSON.stringify(schema)
  )
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
    case 'contains':
      return `${at}: must contain an item with ${wanted(error.schema)}`
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
  // `if`/`then` report their own failure as well as the one inside: keep the
  // inside. `contains` reports why each item did not match: keep its summary.
  const errors = (validate.errors ?? []).filter(
    (error) => error.keyword !== 'if' && !error.schemaPath.includes('/contains/')
  )
  return [...new Set(errors.map(explain))]
}
