/**
 * Where a JSON text stops being valid JSON (RFC 8259), for error messages.
 *
 * `JSON.parse` says where it failed only for some errors (V8 reports "Unexpected token '}', ..."
 * without a position, and quotes the record's text); this scanner runs only after `JSON.parse` has
 * thrown, so the per-record path stays `JSON.parse` alone. It uses an explicit stack rather than
 * recursion so a deeply nested record cannot overflow the call stack while an error is reported.
 *
 * @returns the index of the first character that cannot continue a JSON text (`text.length` when
 *   the text ends too early), or -1 when the text is valid JSON.
 */
export function jsonSyntaxErrorPosition(text: string): number {
  const length = text.length;
  // One entry per open container: true for an object, false for an array.
  const open: boolean[] = [];
  let i = 0;

  for (;;) {
    // A value starts here.
    i = skipWhitespace(text, i);
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) === 0x7d /* } */) {
        i++;
      } else {
        open.push(true);
        i = scanMemberName(text, i);
        if (i < 0) return ~i;
        continue;
      }
    } else if (c === 0x5b /* [ */) {
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) === 0x5d /* ] */) {
        i++;
      } else {
        open.push(false);
        continue;
      }
    } else {
      i = scanScalar(text, i);
      if (i < 0) return ~i;
    }

    // A value ended: close containers, or find the separator before the next value.
    for (;;) {
      i = skipWhitespace(text, i);
      const inObject = open[open.length - 1];
      if (inObject === undefined) return i === length ? -1 : i;
      const next = text.charCodeAt(i);
      if (next === 0x2c /* , */) {
        i++;
        if (inObject) {
          i = scanMemberName(text, skipWhitespace(text, i));
          if (i < 0) return ~i;
        }
        break;
      }
      const close = inObject ? 0x7d /* } */ : 0x5d /* ] */;
      if (next === close) {
        open.pop();
        i++;
        continue;
      }
      return i;
    }
  }
}

// The scanners return the index after what they read, or `~position` (negative) of the error.

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}

/** `"name"` then `:`, leaving `i` where the member's value starts. */
function scanMemberName(text: string, i: number): number {
  i = scanString(text, i);
  if (i < 0) return i;
  i = skipWhitespace(text, i);
  return text.charCodeAt(i) === 0x3a /* : */ ? i + 1 : ~i;
}

function scanScalar(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22 /* " */) return scanString(text, i);
  if (c === 0x2d /* - */ || isDigit(c)) return scanNumber(text, i);
  if (c === 0x74 /* t */) return scanLiteral(text, i, 'true');
  if (c === 0x66 /* f */) return scanLiteral(text, i, 'false');
  if (c === 0x6e /* n */) return scanLiteral(text, i, 'null');
  return ~i;
}

function scanString(text: string, i: number): number {
  if (text.charCodeAt(i) !== 0x22) return ~i;
  const length = text.length;
  i++;
  for (;;) {
    if (i >= length) return ~length;
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return ~i;
    if (c !== 0x5c /* \ */) {
      i++;
      continue;
    }
    const escape = text.charCodeAt(i + 1);
    if (escape === 0x75 /* u */) {
      for (let k = i + 2; k < i + 6; k++) {
        if (k >= length) return ~length;
        if (!isHexDigit(text.charCodeAt(k))) return ~k;
      }
      i += 6;
    } else if (i + 1 >= length) {
      return ~length;
    } else if ('"\\/bfnrt'.includes(text.charAt(i + 1))) {
      i += 2;
    } else {
      return ~(i + 1);
    }
  }
}

function scanNumber(text: string, i: number): number {
  if (text.charCodeAt(i) === 0x2d) i++;
  const first = text.charCodeAt(i);
  if (first === 0x30 /* 0 */) {
    i++;
  } else if (isDigit(first)) {
    i = skipDigits(text, i + 1);
  } else {
    return ~i;
  }
  if (text.charCodeAt(i) === 0x2e /* . */) {
    if (!isDigit(text.charCodeAt(i + 1))) return ~(i + 1);
    i = skipDigits(text, i + 1);
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45 /* e E */) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    if (!isDigit(text.charCodeAt(i))) return ~i;
    i = skipDigits(text, i);
  }
  return i;
}

function scanLiteral(text: string, i: number, literal: string): number {
  for (let k = 0; k < literal.length; k++) {
    if (text.charCodeAt(i + k) !== literal.charCodeAt(k)) return ~Math.min(i + k, text.length);
  }
  return i + literal.length;
}

function skipDigits(text: string, i: number): number {
  while (isDigit(text.charCodeAt(i))) i++;
  return i;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}
