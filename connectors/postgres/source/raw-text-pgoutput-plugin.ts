import { PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';

/**
 * pgoutput decoding that leaves every value as PostgreSQL's text output, so the source's column
 * mappings read the change stream exactly as they read the snapshot (the library's default would apply
 * `pg`'s global type parsers: local-time dates, parsed JSON, arrays as JS arrays). It also counts the
 * messages received: parsing happens on arrival, before the (flow-controlled) handler sees them.
 */
export class RawTextPgoutputPlugin extends PgoutputPlugin {
  received = 0;

  override parse(buffer: Buffer): Pgoutput.Message {
    this.received++;
    const message = super.parse(buffer);
    // The relation is cached by the parser and used for the tuples that follow it: set the parsers now.
    if (message.tag === 'relation') for (const column of message.columns) column.parser = rawText;
    return message;
  }
}

function rawText(text: unknown): unknown {
  return text;
}
