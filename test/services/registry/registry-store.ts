import avro from 'avsc';

/** Schema formats of the Confluent REST API; the stand-in validates AVRO and JSON syntax only. */
export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

/** A reference from one schema to a subject version holding a named type. */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** Body of `POST /subjects/{subject}/versions` and `POST /subjects/{subject}`. */
export interface SchemaInput {
  readonly schema: string;
  readonly schemaType?: SchemaType;
  readonly references?: readonly SchemaReference[];
}

/** A subject version as the REST API returns it. */
export interface SubjectVersion {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schema: string;
  /** Omitted for AVRO, like the Confluent registry does. */
  readonly schemaType?: SchemaType;
  readonly references?: readonly SchemaReference[];
}

/** The compatibility levels the REST API accepts (stored and returned, never enforced). */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

/** An error with the Confluent status and `error_code`. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

interface StoredSchema {
  readonly id: number;
  readonly schemaType: SchemaType;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

interface VersionEntry {
  readonly version: number;
  readonly id: number;
}

/**
 * The in-memory state of the schema-registry stand-in: global schema ids shared across subjects (the same
 * schema text gets the same id everywhere), versions per subject, and compatibility settings that are
 * stored but not enforced.
 */
export class RegistryStore {
  private readonly schemas = new Map<number, StoredSchema>();
  private readonly idByKey = new Map<string, number>();
  private readonly subjects = new Map<string, VersionEntry[]>();
  private readonly compatibility = new Map<string, string>();
  private globalCompatibility = 'BACKWARD';
  private nextId = 1;

  /** Registers a schema under a subject; returns the existing id when that subject already holds it. */
  register(subject: string, input: SchemaInput): { id: number } {
    const stored = this.storeSchema(input);
    const versions = this.subjects.get(subject) ?? [];
    if (!versions.some((entry) => entry.id === stored.id)) {
      const version = (versions.at(-1)?.version ?? 0) + 1;
      versions.push({ version, id: stored.id });
      this.subjects.set(subject, versions);
    }
    return { id: stored.id };
  }

  /** `POST /subjects/{subject}`: the version of the subject holding this schema. */
  lookup(subject: string, input: SchemaInput): SubjectVersion {
    const versions = this.versionsOf(subject);
    const id = this.idByKey.get(this.key(this.normalizeType(input.schemaType), input.schema, input.references ?? []));
    const entry = versions.find((candidate) => candidate.id === id);
    if (!entry) throw new RegistryError(404, 40403, 'Schema not found');
    return this.view(subject, entry);
  }

  /** `GET /schemas/ids/{id}`. */
  schemaById(id: number): { schema: string; schemaType?: SchemaType; references?: readonly SchemaReference[] } {
    const stored = this.schemas.get(id);
    if (!stored) throw new RegistryError(404, 40403, 'Schema not found');
    return {
      schema: stored.schema,
      ...(stored.schemaType === 'AVRO' ? {} : { schemaType: stored.schemaType }),
      ...(stored.references.length > 0 ? { references: stored.references } : {}),
    };
  }

  /** `GET /subjects/{subject}/versions/{version}`; `latest` and `-1` name the newest version. */
  version(subject: string, version: string): SubjectVersion {
    const versions = this.versionsOf(subject);
    if (version === 'latest' || version === '-1') {
      const latest = versions.at(-1);
      if (!latest) throw new RegistryError(404, 40402, 'Version not found.');
      return this.view(subject, latest);
    }
    if (!/^[1-9]\d*$/.test(version)) {
      throw new RegistryError(422, 42202, 'The specified version is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"');
    }
    const entry = versions.find((candidate) => candidate.version === Number(version));
    if (!entry) throw new RegistryError(404, 40402, 'Version not found.');
    return this.view(subject, entry);
  }

  subjectNames(): string[] {
    return [...this.subjects.keys()].sort();
  }

  versionNumbers(subject: string): number[] {
    return this.versionsOf(subject).map((entry) => entry.version);
  }

  /** `DELETE /subjects/{subject}`: forgets the subject (schema ids stay resolvable), returns its versions. */
  deleteSubject(subject: string): number[] {
    const versions = this.versionNumbers(subject);
    this.subjects.delete(subject);
    this.compatibility.delete(subject);
    return versions;
  }

  /** Subject-level compatibility, or the global one when `subject` is undefined. */
  getCompatibility(subject?: string): string {
    if (subject === undefined) return this.globalCompatibility;
    const level = this.compatibility.get(subject);
    if (level === undefined) {
      throw new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
    }
    return level;
  }

  /** Stores a compatibility level (the stand-in never checks it). */
  setCompatibility(level: unknown, subject?: string): string {
    const upper = typeof level === 'string' ? level.toUpperCase() : '';
    if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(upper)) {
      throw new RegistryError(422, 42203, 'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive');
    }
    if (subject === undefined) this.globalCompatibility = upper;
    else this.compatibility.set(subject, upper);
    return upper;
  }

  private versionsOf(subject: string): VersionEntry[] {
    const versions = this.subjects.get(subject);
    if (!versions) throw new RegistryError(404, 40401, `Subject '${subject}' not found.`);
    return versions;
  }

  private view(subject: string, entry: VersionEntry): SubjectVersion {
    const stored = this.schemas.get(entry.id);
    if (!stored) throw new RegistryError(500, 50001, `schema ${entry.id} vanished`);
    return {
      subject,
      version: entry.version,
      id: entry.id,
      schema: stored.schema,
      ...(stored.schemaType === 'AVRO' ? {} : { schemaType: stored.schemaType }),
      ...(stored.references.length > 0 ? { references: stored.references } : {}),
    };
  }

  private normalizeType(type: SchemaType | undefined): SchemaType {
    if (type === undefined) return 'AVRO';
    if (type === 'AVRO' || type === 'JSON' || type === 'PROTOBUF') return type;
    throw new RegistryError(422, 42201, `Invalid schema type ${String(type)}`);
  }

  /** Identity of a schema: whitespace in JSON-based schemas does not make a new id. */
  private key(type: SchemaType, schema: string, references: readonly SchemaReference[]): string {
    let text = schema;
    if (type !== 'PROTOBUF') {
      try {
        text = JSON.stringify(JSON.parse(schema));
      } catch {
        // invalid JSON never gets stored; the raw text is a fine key for a lookup that will miss
      }
    }
    return `${type}\u0000${text}\u0000${JSON.stringify(references)}`;
  }

  private storeSchema(input: SchemaInput): StoredSchema {
    if (typeof input.schema !== 'string' || input.schema === '') throw new RegistryError(422, 42201, 'Invalid schema: empty');
    const schemaType = this.normalizeType(input.schemaType);
    const references = input.references ?? [];
    for (const reference of references) this.version(reference.subject, String(reference.version));
    this.validate(schemaType, input.schema, references);
    const key = this.key(schemaType, input.schema, references);
    const existing = this.idByKey.get(key);
    if (existing !== undefined) {
      const stored = this.schemas.get(existing);
      if (stored) return stored;
    }
    const stored: StoredSchema = { id: this.nextId++, schemaType, schema: input.schema, references };
    this.schemas.set(stored.id, stored);
    this.idByKey.set(key, stored.id);
    return stored;
  }

  /** Syntax only: an Avro schema must parse (with its references' named types), a JSON schema must be JSON. */
  private validate(type: SchemaType, schema: string, references: readonly SchemaReference[]): void {
    if (type === 'PROTOBUF') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(schema);
    } catch (error) {
      throw new RegistryError(422, 42201, `Invalid schema: ${(error as Error).message}`);
    }
    if (type !== 'AVRO') return;
    const registry: Record<string, avro.Type> = {};
    try {
      for (const reference of references) {
        const referenced = this.version(reference.subject, String(reference.version));
        avro.Type.forSchema(JSON.parse(referenced.schema) as avro.Schema, { registry });
      }
      avro.Type.forSchema(parsed as avro.Schema, { registry });
    } catch (error) {
      throw new RegistryError(422, 42201, `Invalid schema: ${(error as Error).message}`);
    }
  }
}
