/** What the integration tests' global setup (scripts/vitest-kafka-setup.ts) provides to every test file. */
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bootstrap servers of the broker the suite runs against, comma-separated. */
    kafkaBrokers: string;
  }
}
