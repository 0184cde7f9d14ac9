import protobuf from 'protobufjs';
import type { INamespace, Root, Type } from 'protobufjs';

// A .proto file as the registry holds it (one file, its imports given by name), parsed with
// protobufjs into one Root, and the file's messages in declaration order: what the message-index
// path of Confluent's wire format counts. Parsed once per schema, never per record.

/**
 * Imports that Confluent's serializers treat as built in, never registered as references:
 * Google's well-known types and common types. Of these, protobufjs bundles the well-known types
 * any, duration, empty, field_mask, struct, timestamp and wrappers.
 *
 * @internal
 */
export function isBuiltinImport(path: string): boolean {
  return path.startsWith('google/protobuf/') || path.startsWith('google/type/');
}

/** protobufjs's bundled well-known types, by import path (`google/protobuf/timestamp.proto`). */
const bundled = protobuf.common as unknown as Record<string, INamespace | undefined>;

/** The global that protobufjs's parser stamps on each reflected object as its `filename`. */
const parser = protobuf.parse as unknown as { filename: string | null };

/** What a {@link ProtoSchema} is parsed with. */
export interface ProtoParseOptions {
  /** Keep field names as declared (`order_id`) rather than protobufjs's camelCase (`orderId`). */
  readonly keepCase: boolean;
  /** The text of an imported file by its import path; undefined when not known (a built-in may still be bundled). */
  readonly importText: (path: string) => string | undefined;
}

/**
 * A parsed .proto file with everything it imports: its messages by message-index path and by name.
 *
 * @internal
 */
export class ProtoSchema {
  /** Every file parsed, the main one and its imports, each with the non-built-in files it imports directly. */
  readonly dependencies: ReadonlyMap<string, readonly string[]>;
  /** The file's top-level messages, in declaration order. */
  private readonly topLevel: readonly Type[];

  private constructor(
    readonly root: Root,
    readonly fileName: string,
    topLevel: readonly Type[],
    dependencies: ReadonlyMap<string, readonly string[]>,
  ) {
    this.topLevel = topLevel;
    this.dependencies = dependencies;
  }

  /**
   * Parses `text` (named `fileName` in messages) and, recursively, the files it imports.
   * Throws an Error saying what is wrong: a syntax error, an import that cannot be found, a type
   * that is not defined.
   */
  static parse(fileName: string, text: string, options: ProtoParseOptions): ProtoSchema {
    const root = new protobuf.Root();
    const dependencies = new Map<string, readonly string[]>();
    const seen = new Set<string>();
    const load = (name: string, source: string, importedBy: string | undefined): void => {
      seen.add(name);
      let parsed: protobuf.IParserResult;
      parser.filename = name;
      try {
        parsed = protobuf.parse(source, root, { keepCase: options.keepCase });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(importedBy === undefined ? message : `${message}, in ${name} imported by ${importedBy}`, { cause: error });
      } finally {
        parser.filename = null;
      }
      const imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
      dependencies.set(
        name,
        imports.filter((path) => !isBuiltinImport(path)),
      );
      for (const path of imports) {
        if (seen.has(path)) continue;
        const given = options.importText(path);
        if (given !== undefined) {
          load(path, given, name);
          continue;
        }
        const json = bundled[path];
        if (json === undefined || !isBuiltinImport(path)) {
          throw new Error(
            isBuiltinImport(path)
              ? `${name} imports ${path}, a Confluent built-in that protobufjs does not bundle: give its text`
              : `${name} imports ${path}, which is not given`,
          );
        }
        seen.add(path);
        root.addJSON((json as { nested: NonNullable<INamespace['nested']> }).nested);
      }
    };
    load(fileName, text, undefined);
    root.resolveAll();
    const topLevel = messagesOf(root).filter((type) => type.filename === fileName);
    if (topLevel.length === 0) throw new Error(`${fileName} defines no message`);
    return new ProtoSchema(root, fileName, topLevel, dependencies);
  }

  /** The file's first message: what Confluent's serializers write by default. */
  get firstMessage(): Type {
    return this.topLevel[0]!;
  }

  /** The message at a message-index path (top-level index, then nested ones), if there is one. */
  typeAt(indexes: readonly number[]): Type | undefined {
    let candidates: readonly Type[] = this.topLevel;
    let type: Type | undefined;
    for (const index of indexes) {
      type = candidates[index];
      if (type === undefined) return undefined;
      candidates = nestedMessagesOf(type);
    }
    return type;
  }

  /** The message-index path of a message of this file, or undefined when the file does not define it. */
  indexesOf(type: Type): number[] | undefined {
    const path: number[] = [];
    let candidates: readonly Type[] = this.topLevel;
    const chain: Type[] = [];
    for (let t: Type | null = type; t !== null; t = t.parent instanceof protobuf.Type ? t.parent : null) chain.unshift(t);
    for (const t of chain) {
      const index = candidates.indexOf(t);
      if (index < 0) return undefined;
      path.push(index);
      candidates = nestedMessagesOf(t);
    }
    return path;
  }

  /** A message by its full name (`acme.orders.Order`, `acme.orders.Order.Line`; a leading dot is allowed). */
  message(fullName: string): Type | undefined {
    const found = this.root.lookup(fullName.startsWith('.') ? fullName : `.${fullName}`);
    return found instanceof protobuf.Type ? found : undefined;
  }
}

/** A message's full name without protobufjs's leading dot: `acme.orders.Order`. */
export function messageName(type: Type): string {
  return type.fullName.startsWith('.') ? type.fullName.slice(1) : type.fullName;
}

/** The messages directly in a namespace and in its nested packages, in declaration order. */
function messagesOf(namespace: protobuf.NamespaceBase): Type[] {
  const found: Type[] = [];
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) {
      if (!isGroup(nested)) found.push(nested);
    } else if (nested instanceof protobuf.Namespace) {
      found.push(...messagesOf(nested));
    }
  }
  return found;
}

/**
 * The messages declared in a message, in declaration order. Enums are not counted, nor map entries
 * (protobufjs has none) nor proto2 groups: Confluent counts the message elements of the .proto.
 */
function nestedMessagesOf(type: Type): readonly Type[] {
  return type.nestedArray.filter((nested): nested is Type => nested instanceof protobuf.Type && !isGroup(nested));
}

/** A proto2 group: a message protobufjs declares for a group field (its typings omit the flag). */
function isGroup(type: Type): boolean {
  return (type as unknown as { group?: boolean }).group === true;
}
