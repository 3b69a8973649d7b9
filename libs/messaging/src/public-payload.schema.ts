/**
 * The small type language public payloads are declared in. A declaration is the published contract: the
 * shapes file keeps every published version of it, and examples are checked against it, so neither the
 * mapping nor the declaration can change without the other and a version bump.
 */
export type ScalarType =
  /** Any text. */
  | 'string'
  /** A JSON integer. */
  | 'integer'
  | 'boolean'
  /** Integer minor units as a decimal string (`"21500"`), never a JSON number. */
  | 'amount'
  /** ISO-8601 UTC timestamp string. */
  | 'timestamp'
  /** An object whose keys vary and whose values are strings (gateway references). */
  | 'string-map'
  /** Any JSON the producer of the event chose (merchant metadata, data of an unmapped event). */
  | 'json';

export type FieldType = ScalarType | `${ScalarType}?` | ObjectType | ArrayType | NullableType;
export interface ObjectType {
  readonly [field: string]: FieldType;
}
export type ArrayType = readonly [FieldType];
export interface NullableType {
  readonly nullable: ObjectType | ArrayType;
}

export const nullable = (inner: ObjectType | ArrayType): NullableType => ({ nullable: inner });

const AMOUNT = /^-?\d+$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Declarations are shallow; anything deeper is a mistake, not a contract. */
const DEPTH_MAX = 8;

function isNullable(type: FieldType): type is NullableType {
  return typeof type === 'object' && !Array.isArray(type) && 'nullable' in type && Object.keys(type).length === 1;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every way `value` breaks `type`, as `path: problem` lines; empty when it conforms. */
export function payloadProblems(value: unknown, type: FieldType, path = '$', depth = 0): string[] {
  if (depth > DEPTH_MAX) return [`${path}: declaration nested deeper than ${DEPTH_MAX}`];
  if (typeof type === 'string') {
    const optional = type.endsWith('?');
    const scalar = (optional ? type.slice(0, -1) : type) as ScalarType;
    if (value === undefined) return [`${path}: missing (absent values are published as null)`];
    if (value === null) return optional || scalar === 'json' ? [] : [`${path}: null but declared ${scalar}`];
    return scalarProblems(value, scalar, path);
  }
  if (isNullable(type)) {
    if (value === null) return [];
    return payloadProblems(value, type.nullable, path, depth + 1);
  }
  if (Array.isArray(type)) {
    if (!Array.isArray(value)) return [`${path}: expected an array`];
    return value.flatMap((item, index) => payloadProblems(item, (type as ArrayType)[0], `${path}[${index}]`, depth + 1));
  }
  if (!isPlainObject(value)) return [`${path}: expected an object`];
  const objectType = type as ObjectType;
  const problems: string[] = [];
  for (const key of Object.keys(value)) {
    if (!(key in objectType)) problems.push(`${path}.${key}: not declared`);
  }
  for (const [key, inner] of Object.entries(objectType)) {
    problems.push(...payloadProblems(value[key], inner, `${path}.${key}`, depth + 1));
  }
  return problems;
}

function scalarProblems(value: unknown, scalar: ScalarType, path: string): string[] {
  switch (scalar) {
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: expected a string`];
    case 'integer':
      return Number.isSafeInteger(value) ? [] : [`${path}: expected an integer`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean`];
    case 'amount':
      return typeof value === 'string' && AMOUNT.test(value) ? [] : [`${path}: expected integer minor units as a string`];
    case 'timestamp':
      return typeof value === 'string' && TIMESTAMP.test(value) ? [] : [`${path}: expected an ISO-8601 timestamp`];
    case 'string-map':
      return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string') ? [] : [`${path}: expected an object of strings`];
    case 'json':
      return [];
  }
}
