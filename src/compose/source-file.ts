// Reading the files Compose reads (compose files, env files) without being
// held up by them: only regular files are opened, of a bounded size, and a
// compose file must be UTF-8 as Compose's YAML reader requires.
import { isUtf8 } from 'node:buffer'
import { lstatSync, readFileSync, statSync } from 'node:fs'
import { ComposeFileError } from '../errors.js'

/** Larger files are refused unread. Real compose files are a few kilobytes
 * (OpenWISP's is 5 KB) to some hundred; the reader needs up to 180 MB of
 * memory and a second or two per MiB of dense YAML (one service or variable
 * per line), so at this bound it stays within about 400 MB and a few seconds. */
export const MAX_FILE_BYTES = 2 * 2 ** 20

/** What is at `path` when it is not a regular file, as the end of a sentence
 * that starts with the path; undefined for a regular file. Never opens it: a
 * FIFO would block until something writes to it. */
export function notAFile(path: string): string | undefined {
  try {
    const stats = statSync(path)
    if (stats.isFile()) return undefined
    if (stats.isDirectory()) return 'is a directory, not a file'
    if (stats.isFIFO()) return 'is a named pipe (FIFO), not a file'
    if (stats.isSocket()) return 'is a socket, not a file'
    return 'is a device, not a file'
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') return 'is a symbolic link that leads back to itself (a loop)'
    if (code === 'EACCES') return 'cannot be reached: permission denied on a directory of its path'
    if (code === 'ENOENT' && isLink(path)) return 'is a symbolic link to a file that does not exist'
    return 'does not exist'
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

/** The bytes of a compose or env file (`what`), or a ComposeFileError that
 * says why it cannot be read. */
export function readSourceFile(file: string, what: string): Buffer {
  const problem = notAFile(file)
  if (problem) throw new ComposeFileError(`cannot read ${what} ${file}: it ${problem}`)
  const { size } = statSync(file)
  if (size > MAX_FILE_BYTES) throw tooLarge(file, what, size)
  try {
    return readFileSync(file)
  } catch (error) {
    throw new ComposeFileError(`cannot read ${what} ${file}: ${(error as Error).message}`)
  }
}

function tooLarge(file: string, what: string, size: number): ComposeFileError {
  return new ComposeFileError(
    `${what} ${file} is ${size.toLocaleString('en')} bytes, more than the ${MAX_FILE_BYTES / 2 ** 20} MiB this action reads; a compose file is rarely more than 100 KiB. ` +
      'Check that it is the right file.',
    // On the file as a whole: its annotation shows in the file's diff.
    { file, line: 1, column: 1 }
  )
}

/** A compose file's text. Compose's YAML reader refuses bytes that are not
 * UTF-8; so does this one, at the first such byte. */
export function utf8Text(bytes: Buffer, file: string): string {
  if (isUtf8(bytes)) return bytes.toString('utf8')
  const offset = invalidUtf8At(bytes)
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1
  const line = 1 + countNewlines(bytes.subarray(0, lineStart))
  const column = bytes.subarray(lineStart, offset).toString('utf8').length + 1
  const byte = bytes[offset]!.toString(16).toUpperCase().padStart(2, '0')
  throw new ComposeFileError(
    `${file}:${line}:${column}: byte ${offset} (0x${byte}) is not valid UTF-8; Compose reads only UTF-8 and refuses the file. ` +
      'Save the file as UTF-8.',
    { file, line, column }
  )
}

function countNewlines(bytes: Buffer): number {
  let count = 0
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) count++
  return count
}

/** The offset of the first byte that does not belong to a well-formed UTF-8
 * sequence (RFC 3629, table 3-7 of Unicode), or -1. */
export function invalidUtf8At(bytes: Uint8Array): number {
  for (let at = 0; at < bytes.length;) {
    const length = sequenceLength(bytes, at)
    if (length === 0) return at
    at += length
  }
  return -1
}

/** First bytes (from, to), the sequence's length, and the range of its second byte. */
const SEQUENCES: [number, number, number, number, number][] = [
  [0xc2, 0xdf, 2, 0x80, 0xbf],
  [0xe0, 0xe0, 3, 0xa0, 0xbf],
  [0xe1, 0xec, 3, 0x80, 0xbf],
  [0xed, 0xed, 3, 0x80, 0x9f],
  [0xee, 0xef, 3, 0x80, 0xbf],
  [0xf0, 0xf0, 4, 0x90, 0xbf],
  [0xf1, 0xf3, 4, 0x80, 0xbf],
  [0xf4, 0xf4, 4, 0x80, 0x8f]
]

/** The length of the well-formed sequence that starts at `at`, or 0. The
 * second byte's range depends on the first; later ones are 80..BF. */
function sequenceLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at]!
  if (lead < 0x80) return 1
  const [length, low, high] = SEQUENCES.find(([from, to]) => lead >= from && lead <= to)?.slice(2) ?? [0, 0, 0]
  if (length === 0 || at + length > bytes.length) return 0
  const second = bytes[at + 1]!
  if (second < low || second > high) return 0
  for (let next = at + 2; next < at + length; next++) if ((bytes[next]! & 0xc0) !== 0x80) return 0
  return length
}
