import { describe, expectTypeOf, it } from 'vitest';
import type { RetrySetting } from './client-settings.js';
import type { StreamsConsumerConfig } from './consumer-config.js';
import type { CONSUMER_OPTIONS, PRODUCER_OPTIONS, RETRY_OPTIONS, ROOT_OPTIONS } from './option-paths.js';
import type { StreamsProducerConfig } from './producer-config.js';
import type { StreamsConfig } from './streams-config.js';

// The unknown-key check and the property table read these lists: they must name exactly the
// fields of the config types, so a field added to a type is accepted and documented.
describe('option lists', () => {
  it('match the fields of the config types', () => {
    expectTypeOf<(typeof ROOT_OPTIONS)[number]>().toEqualTypeOf<keyof StreamsConfig>();
    expectTypeOf<(typeof PRODUCER_OPTIONS)[number]>().toEqualTypeOf<keyof StreamsProducerConfig>();
    expectTypeOf<(typeof CONSUMER_OPTIONS)[number]>().toEqualTypeOf<keyof StreamsConsumerConfig>();
    expectTypeOf<(typeof RETRY_OPTIONS)[number]>().toEqualTypeOf<keyof RetrySetting>();
  });
});
