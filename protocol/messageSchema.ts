// Small runtime schemas for messages that cross a trust boundary (a webview page → its host).
// A page is web content: its messages are checked field by field before anything acts on them.
// The schemas are strict: unknown keys, wrong types and oversized strings or lists are refused,
// and the error names the field so the page can show it next to the control.

export class SchemaError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'SchemaError';
  }
}

export interface Schema<T> {
  /** Returns the value typed as T, or throws SchemaError naming the offending field. */
  parse(value: unknown, field?: string): T;
  /** Set by `optional()`: the key may be absent from its object. */
  readonly optional?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export interface StringRule {
  /** Longest accepted string, in UTF-16 code units. Every string has a limit. */
  max: number;
  min?: number;
  pattern?: RegExp;
  /** Said in the error when `pattern` does not match ("an LDAP URL"). */
  patternName?: string;
}

export function str(rule: StringRule): Schema<string> {
  return {
    parse(value, field = '') {
      if (typeof value !== 'string') {
        throw new SchemaError(field, 'must be text');
      }
      if (value.length > rule.max) {
        throw new SchemaError(field, `is too long (${value.length} characters, at most ${rule.max})`);
      }
      if (rule.min !== undefined && value.length < rule.min) {
        throw new SchemaError(field, rule.min === 1 ? 'is required' : `needs at least ${rule.min} characters`);
      }
      if (rule.pattern && !rule.pattern.test(value)) {
        throw new SchemaError(field, `must be ${rule.patternName ?? `text matching ${rule.pattern}`}`);
      }
      return value;
    },
  };
}

export function int(min: number, max: number): Schema<number> {
  return {
    parse(value, field = '') {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new SchemaError(field, 'must be a whole number');
      }
      if (value < min || value > max) {
        throw new SchemaError(field, `must be between ${min} and ${max}`);
      }
      return value;
    },
  };
}

/** Database ids: positive integers. */
export const id: Schema<number> = int(1, Number.MAX_SAFE_INTEGER);

export const bool: Schema<boolean> = {
  parse(value, field = '') {
    if (typeof value !== 'boolean') {
      throw new SchemaError(field, 'must be true or false');
    }
    return value;
  },
};

export function literal<const T extends readonly (string | number | boolean | null)[]>(
  ...values: T
): Schema<T[number]> {
  return {
    parse(value, field = '') {
      if (!values.includes(value as T[number])) {
        throw new SchemaError(field, `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
      }
      return value as T[number];
    },
  };
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    optional: true,
    parse(value, field) {
      return value === undefined ? undefined : inner.parse(value, field);
    },
  };
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return {
    parse(value, field) {
      return value === null ? null : inner.parse(value, field);
    },
  };
}

export function arr<T>(item: Schema<T>, max: number): Schema<T[]> {
  return {
    parse(value, field = '') {
      if (!Array.isArray(value)) {
        throw new SchemaError(field, 'must be a list');
      }
      if (value.length > max) {
        throw new SchemaError(field, `has too many items (${value.length}, at most ${max})`);
      }
      return value.map((v, i) => item.parse(v, `${field}[${i}]`));
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K]['optional'] extends true ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] };
export type ObjectOf<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A plain object with exactly these keys (optional ones may be missing); any other key is refused. */
export function obj<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    parse(value, field = '') {
      if (!isPlainObject(value)) {
        throw new SchemaError(field, 'must be an object');
      }
      for (const key of Object.keys(value)) {
        if (!Object.prototype.hasOwnProperty.call(shape, key)) {
          // The key is page-controlled: cut it so an error reply never echoes a huge string.
          const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
          throw new SchemaError(field ? `${field}.${shown}` : shown, 'is not an accepted field');
        }
      }
      const out: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(shape)) {
        const parsed = schema.parse(value[key], field ? `${field}.${key}` : key);
        if (parsed !== undefined) {
          out[key] = parsed;
        }
      }
      return out as ObjectOf<S>;
    },
  };
}

/** The first schema that accepts the value wins; the error of the last one is reported. */
export function oneOf<A, B>(a: Schema<A>, b: Schema<B>): Schema<A | B> {
  return {
    parse(value, field) {
      try {
        return a.parse(value, field);
      } catch {
        return b.parse(value, field);
      }
    },
  };
}

/** `{}`: for requests without parameters (also accepts a missing params member). */
export const empty: Schema<Record<string, never>> = {
  parse(value, field = '') {
    if (value === undefined) {
      return {};
    }
    if (!isPlainObject(value) || Object.keys(value).length > 0) {
      throw new SchemaError(field, 'takes no parameters');
    }
    return {};
  },
};
