// Validation of request params. Every handler reads its params through these so that a wrong
// type, a missing field or an oversized value is refused with 1002 and `data.field` naming the
// field (e.g. `realm.url`, `entries[3].uuid`), before any work is done.
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../protocol/errors';

export function invalidInput(field: string, message: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.invalidInput, message, { field });
}

export interface StringRules {
  /** Default 4096 characters. */
  maxLength?: number;
  /** Refuse '' and whitespace-only text. */
  nonEmpty?: boolean;
}

export interface IntegerRules {
  min?: number;
  max?: number;
}

export interface ArrayRules {
  maxLength: number;
  minLength?: number;
}

const defaultMaxLength = 4096;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown, field: string, rules: StringRules = {}): string {
  if (typeof value !== 'string') {
    throw invalidInput(field, `${field} must be text, not ${describe(value)}.`);
  }
  const maxLength = rules.maxLength ?? defaultMaxLength;
  if (value.length > maxLength) {
    throw invalidInput(field, `${field} is too long (${value.length} characters; at most ${maxLength}).`);
  }
  if (rules.nonEmpty && value.trim() === '') {
    throw invalidInput(field, `${field} must not be empty.`);
  }
  return value;
}

export function asInteger(value: unknown, field: string, rules: IntegerRules = {}): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalidInput(field, `${field} must be a whole number, not ${typeof value === 'number' ? value : describe(value)}.`);
  }
  if (rules.min !== undefined && value < rules.min) {
    throw invalidInput(field, `${field} must be at least ${rules.min} (got ${value}).`);
  }
  if (rules.max !== undefined && value > rules.max) {
    throw invalidInput(field, `${field} must be at most ${rules.max} (got ${value}).`);
  }
  return value;
}

export function asBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') {
    throw invalidInput(field, `${field} must be true or false, not ${describe(value)}.`);
  }
  return value;
}

export function asOneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidInput(field, `${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}.`);
  }
  return value as T;
}

export function asObject(value: unknown, field: string): RequestValues {
  if (!isPlainObject(value)) {
    throw invalidInput(field, `${field} must be an object, not ${describe(value)}.`);
  }
  return new RequestValues(value, field);
}

export function asArray<T>(value: unknown, field: string, rules: ArrayRules, item: (value: unknown, field: string) => T): T[] {
  if (!Array.isArray(value)) {
    throw invalidInput(field, `${field} must be a list, not ${describe(value)}.`);
  }
  if (value.length > rules.maxLength) {
    throw invalidInput(field, `${field} has too many items (${value.length}; at most ${rules.maxLength}).`);
  }
  if (rules.minLength !== undefined && value.length < rules.minLength) {
    throw invalidInput(field, `${field} needs at least ${rules.minLength} item(s).`);
  }
  return value.map((element, index) => item(element, `${field}[${index}]`));
}

/** A request's params (or a nested object in them), read field by field. */
export class RequestValues {
  constructor(
    /** The raw values; prefer the typed readers below. */
    readonly values: Record<string, unknown>,
    /** Path of this object in the params ('' for the params themselves). */
    readonly path: string = '',
  ) {}

  /** Params must be one object (by name); positional params and scalars are refused. */
  static of(params: unknown): RequestValues {
    if (params === undefined || params === null) {
      return new RequestValues({});
    }
    if (!isPlainObject(params)) {
      throw invalidInput('params', `Params must be one object with named fields, not ${describe(params)}.`);
    }
    return new RequestValues(params);
  }

  field(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  /** Whether the field is present and not null. */
  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== null;
  }

  raw(name: string): unknown {
    return this.values[name];
  }

  private required(name: string): unknown {
    if (!this.has(name)) {
      throw invalidInput(this.field(name), `${this.field(name)} is required.`);
    }
    return this.values[name];
  }

  string(name: string, rules?: StringRules): string {
    return asString(this.required(name), this.field(name), rules);
  }
  optionalString(name: string, rules?: StringRules): string | undefined {
    return this.has(name) ? asString(this.values[name], this.field(name), rules) : undefined;
  }

  integer(name: string, rules?: IntegerRules): number {
    return asInteger(this.required(name), this.field(name), rules);
  }
  optionalInteger(name: string, rules?: IntegerRules): number | undefined {
    return this.has(name) ? asInteger(this.values[name], this.field(name), rules) : undefined;
  }

  boolean(name: string): boolean {
    return asBoolean(this.required(name), this.field(name));
  }
  optionalBoolean(name: string): boolean | undefined {
    return this.has(name) ? asBoolean(this.values[name], this.field(name)) : undefined;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    return asOneOf(this.required(name), this.field(name), allowed);
  }
  optionalOneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    return this.has(name) ? asOneOf(this.values[name], this.field(name), allowed) : undefined;
  }

  object(name: string): RequestValues {
    return asObject(this.required(name), this.field(name));
  }
  optionalObject(name: string): RequestValues | undefined {
    return this.has(name) ? asObject(this.values[name], this.field(name)) : undefined;
  }

  array<T>(name: string, rules: ArrayRules, item: (value: unknown, field: string) => T): T[] {
    return asArray(this.required(name), this.field(name), rules, item);
  }
  optionalArray<T>(name: string, rules: ArrayRules, item: (value: unknown, field: string) => T): T[] | undefined {
    return this.has(name) ? asArray(this.values[name], this.field(name), rules, item) : undefined;
  }

  /** A list of ids (positive integers). */
  idArray(name: string, rules: ArrayRules): number[] {
    return this.array(name, rules, (value, field) => asInteger(value, field, { min: 1 }));
  }

  /** Refuses fields this request does not know (catches typos such as `realmID`). */
  onlyKnown(...names: string[]): this {
    for (const key of Object.keys(this.values)) {
      if (!names.includes(key)) {
        throw invalidInput(this.field(key), `${this.field(key)} is not a known field here.`);
      }
    }
    return this;
  }
}
