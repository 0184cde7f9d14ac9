/*
 * The Kafka Streams twin of the comparison benchmark's Rivulet scenarios (apps/examples/src/bench/
 * compare.ts): the same six pipelines on the same broker and input, run by Kafka Streams itself.
 * Compiled on demand by kstreams-process.ts against the jars of scripts/kstreams-jars.mjs; one run per
 * process, so that the process's CPU and RSS (read by the parent from /proc) are this scenario's alone.
 *
 *   java -cp '<classes>:<libs>/*' KStreamsBench kind=count guarantee=at_least_once threads=1 \
 *     brokers=127.0.0.1:9092 input=... output=... appId=... stateDir=... [table=... tableRecords=N] [rounds=N]
 *   java -cp '<classes>:<libs>/*' KStreamsBench memory store=in-memory|rocksdb keys=N stateDir=...
 *
 * Line protocol on stdout: `first <epoch ms>` when the first input record is processed (the clock
 * starts), `progress <records>` every 200 ms, `measured <records>` after `end` on stdin, `done` after
 * `stop` on stdin (closed cleanly, offsets committed), `failed <message>` on an error. Settings that
 * matter for the comparison: caching off (statestore.cache.max.bytes=0, every update emitted, as
 * Rivulet does), commit interval 30 s (at_least_once) or 100 ms (exactly_once_v2), Rivulet's
 * defaults, in-memory stores as Rivulet's DSL uses; everything else at Kafka Streams' defaults.
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

public class KStreamsBench {
    static final String COUNT_STORE = "counts";
    static final String WINDOWED_COUNT_STORE = "windowed-counts";
    static final String JOIN_TABLE_STORE = "join-table";
    static final Duration WINDOW = Duration.ofSeconds(1);
    static final Duration GRACE = Duration.ofMinutes(1);

    static final LongAdder processed = new LongAdder();
    static final AtomicBoolean started = new AtomicBoolean(false);

    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Epoch milliseconds with sub-millisecond precision, as the Node side's nowMs(). */
    static double nowMs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1000.0 + now.getNano() / 1e6;
    }

    /** One per input record: the first one starts the clock. */
    static void mark() {
        processed.increment();
        if (!started.get() && started.compareAndSet(false, true)) say("first " + String.format("%.3f", nowMs()));
    }

    static String oneLine(Throwable e) {
        String message = e.getClass().getName() + ": " + e.getMessage();
        Throwable cause = e.getCause();
        while (cause != null) {
            message += " <- " + cause.getClass().getName() + ": " + cause.getMessage();
            cause = cause.getCause();
        }
        return message.replace('\n', ' ');
    }

    static Map<String, String> parseArgs(String[] args, int from) {
        Map<String, String> map = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("expected key=value, got " + args[i]);
            map.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        return map;
    }

    static String need(Map<String, String> args, String name) {
        String value = args.get(name);
        if (value == null) throw new IllegalArgumentException("missing argument " + name + "=...");
        return value;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static final byte[] BAR = "|".getBytes(StandardCharsets.ISO_8859_1);

    /** filter+map: keeps keys whose last character has an even code (key-...0, 2, 4, 6, 8). */
    static boolean keep(String key) {
        return (key.charAt(key.length() - 1) & 1) == 0;
    }

    static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

    /**
     * cpu-heavy (cpu-heavy-topology.ts, the same function): FNV-1a 32-bit over the value, `rounds`
     * times in a row (each round goes on from the previous hash), written as 8 lower-case hex digits,
     * then '|', then the value. Java's int multiplication wraps as Math.imul does.
     */
    static byte[] cpuHeavyOutput(byte[] value, int rounds) {
        int h = 0x811c9dc5;
        for (int r = 0; r < rounds; r++) {
            for (byte b : value) h = (h ^ (b & 0xff)) * 0x01000193;
        }
        byte[] out = new byte[9 + value.length];
        for (int i = 7; i >= 0; i--) {
            out[i] = HEX[h & 0xf];
            h >>>= 4;
        }
        out[8] = '|';
        System.arraycopy(value, 0, out, 9, value.length);
        return out;
    }

    static Topology topology(String kind, String input, String output, String table, int rounds) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<String> str = Serdes.String();
        Serde<byte[]> bytes = Serdes.ByteArray();
        switch (kind) {
            case "pass-through": {
                builder.stream(input, Consumed.with(bytes, bytes)).peek((k, v) -> mark()).to(output, Produced.with(bytes, bytes));
                break;
            }
            case "filter-map": {
                builder.stream(input, Consumed.with(str, bytes))
                    .peek((k, v) -> mark())
                    .filter((k, v) -> keep(k))
                    .mapValues((k, v) -> concat(concat(k.getBytes(StandardCharsets.ISO_8859_1), BAR), v))
                    .to(output, Produced.with(str, bytes));
                break;
            }
            case "count": {
                builder.stream(input, Consumed.with(str, bytes))
                    .peek((k, v) -> mark())
                    .groupByKey(Grouped.with(str, bytes))
                    .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore(COUNT_STORE)).withKeySerde(str).withValueSerde(Serdes.Long()))
                    .toStream()
                    .to(output, Produced.with(str, Serdes.Long()));
                break;
            }
            case "windowed-count": {
                // Retention = size + grace, as the DSL's default; in memory, as Rivulet's DSL by default.
                Materialized<String, Long, WindowStore<Bytes, byte[]>> store = Materialized
                    .<String, Long>as(Stores.inMemoryWindowStore(WINDOWED_COUNT_STORE, WINDOW.plus(GRACE), WINDOW, false))
                    .withKeySerde(str)
                    .withValueSerde(Serdes.Long());
                builder.stream(input, Consumed.with(str, bytes))
                    .peek((k, v) -> mark())
                    .groupByKey(Grouped.with(str, bytes))
                    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, GRACE))
                    .count(store)
                    .toStream()
                    .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, WINDOW.toMillis()), Serdes.Long()));
                break;
            }
            case "stream-table-join": {
                KTable<String, byte[]> t = tableOf(builder, table);
                builder.stream(input, Consumed.with(str, bytes))
                    .peek((k, v) -> mark())
                    .join(t, (value, tableValue) -> concat(tableValue, value), Joined.with(str, bytes, bytes))
                    .to(output, Produced.with(str, bytes));
                break;
            }
            case "cpu-heavy": {
                if (rounds <= 0) throw new IllegalArgumentException("cpu-heavy needs rounds=N (N > 0)");
                builder.stream(input, Consumed.with(bytes, bytes))
                    .peek((k, v) -> mark())
                    .mapValues(v -> cpuHeavyOutput(v, rounds))
                    .to(output, Produced.with(bytes, bytes));
                break;
            }
            default:
                throw new IllegalArgumentException("unknown kind " + kind);
        }
        return builder.build();
    }

    static KTable<String, byte[]> tableOf(StreamsBuilder builder, String table) {
        return builder.table(table, Consumed.with(Serdes.String(), Serdes.ByteArray()),
            Materialized.<String, byte[]>as(Stores.inMemoryKeyValueStore(JOIN_TABLE_STORE)).withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray()));
    }

    static Properties config(Map<String, String> args) {
        boolean eos = need(args, "guarantee").equals("exactly_once");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, need(args, "appId"));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, need(args, "brokers"));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, eos ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args.getOrDefault("threads", "1")));
        // Rivulet's defaults: 30 s at_least_once, 100 ms exactly_once (Kafka Streams' own defaults too).
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, eos ? 100 : 30_000);
        // No record cache: every update goes downstream, as Rivulet emits it.
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
        p.put(StreamsConfig.STATE_DIR_CONFIG, need(args, "stateDir"));
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        return p;
    }

    static volatile String failure = null;
    static final LongAdder rebalances = new LongAdder();
    /** Stores restored from their changelogs (a task re-created), and the records restored. */
    static final LongAdder restores = new LongAdder();
    static final LongAdder restored = new LongAdder();

    static KafkaStreams start(Topology topology, Properties props) {
        KafkaStreams streams = new KafkaStreams(topology, props);
        streams.setUncaughtExceptionHandler(e -> {
            failure = oneLine(e);
            say("failed " + failure);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.REBALANCING) rebalances.increment();
            if (now == KafkaStreams.State.ERROR) say("failed Kafka Streams went to ERROR" + (failure == null ? "" : ": " + failure));
        });
        streams.setGlobalStateRestoreListener(new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition partition, String store, long start, long end) {
                restores.increment();
            }

            @Override
            public void onBatchRestored(TopicPartition partition, String store, long batchEnd, long records) {
                restored.add(records);
            }

            @Override
            public void onRestoreEnd(TopicPartition partition, String store, long total) {
            }
        });
        streams.start();
        return streams;
    }

    /**
     * The join's table, before the clock: the table alone under the same application.id until the
     * group's committed offsets on the table topic reach its end offsets (every table record in the
     * store and in a committed transaction of its changelog), then closed. Not "records seen >= table
     * records": a record processed again after a rebalance or an aborted transaction counts twice,
     * and closing on that count could leave part of the table to the measured app. The measured app
     * restores the store from the changelog before it processes a stream record, as Rivulet's does.
     */
    static long loadTable(Map<String, String> args) throws Exception {
        long startedAt = System.currentTimeMillis();
        String table = need(args, "table");
        StreamsBuilder builder = new StreamsBuilder();
        tableOf(builder, table);
        Properties adminProps = new Properties();
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, need(args, "brokers"));
        try (Admin admin = Admin.create(adminProps)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicPartitionInfo p : admin.describeTopics(List.of(table)).allTopicNames().get().get(table).partitions()) {
                latest.put(new TopicPartition(table, p.partition()), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            // Committed every 100 ms whatever the guarantee: the warm-up waits for its commits, not the clock.
            Properties props = config(args);
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            KafkaStreams streams = start(builder.build(), props);
            try {
                for (;;) {
                    Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(need(args, "appId")).partitionsToOffsetAndMetadata().get();
                    boolean done = ends.entrySet().stream().allMatch(e -> {
                        OffsetAndMetadata c = committed.get(e.getKey());
                        return e.getValue() == 0 || (c != null && c.offset() >= e.getValue());
                    });
                    if (done) break;
                    if (failure != null) throw new IllegalStateException("loading the table failed: " + failure);
                    if (System.currentTimeMillis() - startedAt > 120_000) {
                        throw new IllegalStateException("loading the table: committed " + committed + ", end offsets " + ends + " after 120 s");
                    }
                    Thread.sleep(50);
                }
            } finally {
                streams.close(Duration.ofSeconds(60));
            }
        }
        return System.currentTimeMillis() - startedAt;
    }

    static void run(Map<String, String> args) throws Exception {
        String kind = need(args, "kind");
        long tableLoadMs = kind.equals("stream-table-join") ? loadTable(args) : -1;
        int rounds = Integer.parseInt(args.getOrDefault("rounds", "0"));
        KafkaStreams streams = start(topology(kind, need(args, "input"), need(args, "output"), args.get("table"), rounds), config(args));
        Thread progress = new Thread(() -> {
            try {
                for (;;) {
                    Thread.sleep(200);
                    say("progress " + processed.sum());
                }
            } catch (InterruptedException e) {
                // stopping
            }
        }, "bench-progress");
        progress.setDaemon(true);
        progress.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("end")) {
                say("measured " + processed.sum());
            } else if (line.equals("stop")) {
                progress.interrupt();
                boolean closed = streams.close(Duration.ofSeconds(60));
                say("done " + (closed ? 1 : 0) + " " + tableLoadMs + " " + processed.sum() + " " + rebalances.sum() + " " + restores.sum() + " " + restored.sum());
                System.exit(0);
            }
        }
        // The parent went away: close anyway.
        streams.close(Duration.ofSeconds(10));
        System.exit(1);
    }

    /** Memory mode: a store of `keys` keys (key-0000000.., 8-byte counts) filled through Kafka Streams' TopologyTestDriver. */
    static void memory(Map<String, String> args) throws Exception {
        String kind = need(args, "store");
        int keys = Integer.parseInt(need(args, "keys"));
        KeyValueBytesStoreSupplier supplier = kind.equals("rocksdb") ? Stores.persistentKeyValueStore("memory") : Stores.inMemoryKeyValueStore("memory");
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.Long().deserializer(), "memory-in");
        topology.addProcessor("put", () -> new Processor<String, Long, Void, Void>() {
            KeyValueStore<String, Long> store;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                store = context.getStateStore("memory");
            }

            @Override
            public void process(Record<String, Long> record) {
                store.put(record.key(), record.value());
            }
        }, "in");
        topology.addStateStore(Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.Long()).withLoggingDisabled(), "put");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "memory-bench");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, need(args, "stateDir"));
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            TestInputTopic<String, Long> topic = driver.createInputTopic("memory-in", Serdes.String().serializer(), Serdes.Long().serializer());
            long[] before = usage();
            for (int i = 0; i < keys; i++) topic.pipeInput(String.format("key-%07d", i), (long) i);
            long[] after = usage();
            // Counted, not approximateNumEntries(): RocksDB's is an estimate.
            long stored = 0;
            try (KeyValueIterator<Object, Object> it = driver.getKeyValueStore("memory").all()) {
                while (it.hasNext()) {
                    it.next();
                    stored++;
                }
            }
            say("memory {\"keys\":" + keys + ",\"stored\":" + stored + ",\"heapBefore\":" + before[0] + ",\"heapAfter\":" + after[0]
                + ",\"rssBefore\":" + before[1] + ",\"rssAfter\":" + after[1] + "}");
        }
    }

    /** Heap used after a full GC, and RSS from /proc/self/status, in bytes. */
    static long[] usage() throws Exception {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        long heap = rt.totalMemory() - rt.freeMemory();
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        return new long[] { heap, rss };
    }

    public static void main(String[] args) {
        try {
            if (args.length > 0 && args[0].equals("memory")) memory(parseArgs(args, 1));
            else run(parseArgs(args, 0));
        } catch (Throwable e) {
            say("failed " + oneLine(e));
            System.exit(1);
        }
    }
}
