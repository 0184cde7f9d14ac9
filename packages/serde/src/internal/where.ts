import type { SerdeErrorContext } from '../serde.js';

/** The `(topic orders)` / `(topic orders, key)` that ends every serde error message. */
export function whereSuffix(context: SerdeErrorContext): string {
  return context.part === undefined ? `(topic ${context.topic})` : `(topic ${context.topic}, ${context.part})`;
}

/** A record field path as users write it: `lines[0].qty`, from path segments. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out === '' ? '(root)' : out;
}

/** At most `max` items joined with `; `, then how many were left out. */
export function firstFew(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).join('; ');
  return items.length > max ? `${shown}; and ${items.length - max} more` : shown;
}

/**
 * What a serde knows of itself for its errors: its name and, for the registry serdes, whether it
 * reads keys or values. Kept per serde so the per-record path allocates no context.
 */
export interface SerdeLabel {
  readonly serde: string;
  readonly part?: 'key' | 'value' | undefined;
}

/** The error context of a failure on `topic`. */
export function contextOf(label: SerdeLabel, topic: string): SerdeErrorContext {
  return label.part === undefined ? { serde: label.serde, topic } : { serde: label.serde, topic, part: label.part };
}
