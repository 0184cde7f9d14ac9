/**
 * A minimal in-memory SchemaRegistryClient for serde unit tests (the full MockSchemaRegistry lives
 * in @rivulet/testing, which serde may not import): counts calls and can be made to fail.
 */
import { SchemaRegistryClientError } from '../../src/registry/schema-registry-client.js';
import type { SchemaDefinition, SchemaRegistryClient, SubjectVersion } from '../../src/registry/schema-registry-client.js';

export class FakeRegistry implements SchemaRegistryClient {
  readonly calls = { getSchemaById: 0, register: 0, lookupSchema: 0, getLatestVersion: 0 };
  /** Calls of `getVersion` (kept out of `calls`, which tests compare whole). */
  getVersionCalls = 0;
  /** When set, every call fails with it. */
  failWith: SchemaRegistryClientError | undefined;
  private readonly schemas: SchemaDefinition[] = [];
  private readonly subjects = new Map<string, number[]>();

  async getSchemaById(id: number): Promise<SchemaDefinition> {
    this.calls.getSchemaById++;
    this.fail();
    return this.getSchemaSync(id);
  }

  /** The schema of an id, synchronously, without counting a call. */
  getSchemaSync(id: number): SchemaDefinition {
    const schema = this.schemas[id - 1];
    if (schema === undefined) throw new SchemaRegistryClientError(`Schema ${id} not found`, { status: 404, errorCode: 40403 });
    return schema;
  }

  async register(subject: string, schema: SchemaDefinition): Promise<number> {
    this.calls.register++;
    this.fail();
    return this.add(subject, schema);
  }

  async lookupSchema(subject: string, schema: SchemaDefinition): Promise<SubjectVersion> {
    this.calls.lookupSchema++;
    this.fail();
    const versions = this.subjects.get(subject);
    if (versions === undefined) throw new SchemaRegistryClientError(`Subject '${subject}' not found.`, { status: 404, errorCode: 40401 });
    const index = versions.findIndex((id) => this.schemas[id - 1]!.schema === schema.schema);
    if (index < 0) throw new SchemaRegistryClientError('Schema not found', { status: 404, errorCode: 40403 });
    return { ...schema, subject, version: index + 1, id: versions[index]! };
  }

  async getLatestVersion(subject: string): Promise<SubjectVersion> {
    this.calls.getLatestVersion++;
    this.fail();
    const versions = this.subjects.get(subject);
    if (versions === undefined) throw new SchemaRegistryClientError(`Subject '${subject}' not found.`, { status: 404, errorCode: 40401 });
    const id = versions[versions.length - 1]!;
    return { ...this.schemas[id - 1]!, subject, version: versions.length, id };
  }

  async getVersion(subject: string, version: number): Promise<SubjectVersion> {
    this.getVersionCalls++;
    this.fail();
    return this.getVersionSync(subject, version);
  }

  /** A version of a subject, synchronously, without counting a call. */
  getVersionSync(subject: string, version: number): SubjectVersion {
    const id = this.subjects.get(subject)?.[version - 1];
    if (id === undefined) throw new SchemaRegistryClientError(`Version ${version} of '${subject}' not found.`, { status: 404, errorCode: 40402 });
    return { ...this.schemas[id - 1]!, subject, version, id };
  }

  /** Registers directly, without counting a call. */
  add(subject: string, schema: SchemaDefinition): number {
    let id = this.schemas.findIndex((s) => s.schema === schema.schema && s.schemaType === schema.schemaType) + 1;
    if (id === 0) id = this.schemas.push(schema);
    const versions = this.subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    this.subjects.set(subject, versions);
    return id;
  }

  subjectNames(): string[] {
    return [...this.subjects.keys()];
  }

  private fail(): void {
    if (this.failWith !== undefined) throw this.failWith;
  }
}
