// The shared vectors (tests/vectors/*.json at the repository root): the same files every
// language's tests run.
import { readFileSync } from 'node:fs'

const dir = new URL('../../../tests/vectors/', import.meta.url)
export const load = (name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')).cases

export const bodyOf = (c) => (c.body_base64 !== undefined ? Buffer.from(c.body_base64, 'base64') : Buffer.from(c.body, 'utf8'))
