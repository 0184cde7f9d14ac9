/** Types for scripts/kstreams-jars.mjs. */
export declare const KAFKA_STREAMS_VERSION: string;
export declare function kafkaStreamsHome(version?: string): string;
export declare function kafkaStreamsLibs(version?: string): string;
export declare function fetchKafkaStreamsJars(version?: string): string;
