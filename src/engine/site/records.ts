// Lookups and ids shared by every kind of site record (images, devices, collections, …).
import { EngineError } from '../errors.js';

export interface NamedRecord {
  id: string;
  name: string;
}

/** Ids in the style of ConfigMgr's (IMG00001, COL00002, …): one above the highest in use. */
export function nextId(prefix: string, records: readonly { id: string }[]): string {
  const highest = records.reduce((max, record) => (record.id.startsWith(prefix) ? Math.max(max, Number.parseInt(record.id.slice(prefix.length), 10) || 0) : max), 0);
  return `${prefix}${String(highest + 1).padStart(5, '0')}`;
}

/** Finds a record by id or name (case-insensitive); the error lists what exists. */
export function findRecord<T extends NamedRecord>(records: readonly T[], nameOrId: string, kind: string, errorId: string): T {
  const wanted = nameOrId.trim().toLowerCase();
  const record = records.find((candidate) => candidate.id.toLowerCase() === wanted || candidate.name.toLowerCase() === wanted);
  if (!record) {
    const known = records.map((candidate) => candidate.name).join(', ') || 'none yet';
    throw new EngineError(errorId, 'ObjectNotFound', `No ${kind} named or with id '${nameOrId}' (${kind}s: ${known}).`, nameOrId);
  }
  return record;
}

export function assertNameFree(records: readonly NamedRecord[], name: string, kind: string, errorId: string, hint: string): void {
  if (records.some((record) => record.name.toLowerCase() === name.trim().toLowerCase())) {
    const article = /^[aeiou]/i.test(kind) ? 'An' : 'A';
    throw new EngineError(errorId, 'ResourceExists', `${article} ${kind} named '${name}' already exists; ${hint}.`, name);
  }
}

export function requireName(name: string, kind: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new EngineError('InvalidName', 'InvalidArgument', `The ${kind} name must not be empty.`);
  return trimmed;
}
