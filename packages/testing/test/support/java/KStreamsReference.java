import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.CogroupedKStream;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KGroupedTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.Suppressed.BufferConfig;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Kafka Streams' own output for the scenarios of test/kstreams-reference.int.test.ts: the same
 * topologies, built with Kafka Streams' DSL and run through its TopologyTestDriver, the reference
 * Rivulet's DSL is compared with.
 *
 * Input on stdin: one scenario {"scenario": name, "inputs": [{"topic", "key", "value", "timestamp"}]}
 * or an array of them. Keys and values are strings (values JSON text, or null for a tombstone); the
 * inputs are piped in order. Output on stdout: {"outputs": [{"topic", "key", "value", "timestamp"}]}
 * per scenario (an array of {"scenario", "outputs"} for an array input), every topic the topology's
 * sinks wrote (internal repartition, changelog and subscription topics left out), topics in name
 * order, each topic's records in the order they were emitted.
 *
 * String serdes throughout, record caches off (statestore.cache.max.bytes=0) so every update is
 * emitted, as Rivulet does (but for emit-final: see there). Joiners and aggregators parse and print JSON with Jackson.
 *
 * Run: java -cp 'libs/*' KStreamsReference.java < scenario.json
 */
public class KStreamsReference {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String APP_ID = "kstreams-reference";
  static final Map<String, Consumer<StreamsBuilder>> SCENARIOS = new HashMap<>();
  /** The scenarios run with Kafka Streams' record cache on (default size). */
  static final Set<String> CACHED = Set.of("emit-final");

  static {
    SCENARIOS.put("table-table-join", KStreamsReference::tableTableJoin);
    SCENARIOS.put("table-operators", KStreamsReference::tableOperators);
    SCENARIOS.put("stream-table-join", KStreamsReference::streamTableJoin);
    SCENARIOS.put("stream-stream-join", KStreamsReference::streamStreamJoin);
    SCENARIOS.put("table-group-by", KStreamsReference::tableGroupBy);
    SCENARIOS.put("foreign-key-join", KStreamsReference::foreignKeyJoin);
    SCENARIOS.put("stream-aggregate", KStreamsReference::streamAggregate);
    SCENARIOS.put("windowed-counts", KStreamsReference::windowedCounts);
    SCENARIOS.put("emit-final", KStreamsReference::emitFinal);
    SCENARIOS.put("cogroup", KStreamsReference::cogroup);
    SCENARIOS.put("suppress", KStreamsReference::suppress);
    SCENARIOS.put("global-table-join", KStreamsReference::globalTableJoin);
    SCENARIOS.put("versioned-table-join", KStreamsReference::versionedTableJoin);
  }

  // ---- JSON helpers ----

  static JsonNode parse(String text) {
    if (text == null) return NullNode.getInstance();
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException("not JSON: " + text, e);
    }
  }

  static String print(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A text field of a JSON value, null when the value or the field is null or missing. */
  static String field(String json, String name) {
    JsonNode node = parse(json).get(name);
    return node == null || node.isNull() ? null : node.asText();
  }

  /** {"l": left, "r": right}, either null. */
  static String pair(String left, String right) {
    ObjectNode out = JSON.createObjectNode();
    out.set("l", parse(left));
    out.set("r", parse(right));
    return print(out);
  }

  /** Adds `by` to the number field `name` of an aggregate object. */
  static String add(String aggregate, String name, long by) {
    ObjectNode out = (ObjectNode) parse(aggregate);
    out.put(name, out.get(name).asLong() + by);
    return print(out);
  }

  /** The "n" of a click or view; 0 for a null value (which a windowed aggregation passes on). */
  static long count(String value) {
    return value == null ? 0 : parse(value).get("n").asLong();
  }

  static String windowedKey(Windowed<String> key) {
    return key.key() + "@" + key.window().start() + "/" + key.window().end();
  }

  // ---- Scenarios: each must build the same topology as its twin in the TypeScript test ----

  /** Table-table joins on the key: inner, left and outer, results as {"l", "r"}. */
  static void tableTableJoin(StreamsBuilder b) {
    KTable<String, String> left = b.table("left", Materialized.as("left-store"));
    KTable<String, String> right = b.table("right", Materialized.as("right-store"));
    left.join(right, KStreamsReference::pair).toStream().to("inner-join");
    left.leftJoin(right, KStreamsReference::pair).toStream().to("left-join");
    left.outerJoin(right, KStreamsReference::pair).toStream().to("outer-join");
  }

  static boolean even(String value) {
    return parse(value).get("n").asLong() % 2 == 0;
  }

  /**
   * A table's filter (unmaterialized and materialized), filterNot, mapValues ({"m": n * 10}) and a
   * join of its filtered rows with labels: items {"n"}.
   */
  static void tableOperators(StreamsBuilder b) {
    KTable<String, String> items = b.table("items", Materialized.as("items-store"));
    KTable<String, String> labels = b.table("labels", Materialized.as("labels-store"));
    items.filter((k, v) -> even(v)).toStream().to("even");
    items.filter((k, v) -> even(v), Materialized.as("even-store")).toStream().to("even-materialized");
    items.filterNot((k, v) -> even(v)).toStream().to("odd");
    items.mapValues(v -> "{\"m\":" + parse(v).get("n").asLong() * 10 + "}").toStream().to("scaled");
    items.filter((k, v) -> even(v), Materialized.as("even-joined-store")).join(labels, KStreamsReference::pair).toStream().to("even-labelled");
  }

  /** Orders joined with the customers table on the key: inner and left. */
  static void streamTableJoin(StreamsBuilder b) {
    KTable<String, String> customers = b.table("customers", Materialized.as("customers-store"));
    KStream<String, String> orders = b.stream("orders");
    orders.join(customers, KStreamsReference::pair).to("stream-table-inner");
    orders.leftJoin(customers, KStreamsReference::pair).to("stream-table-left");
  }

  /**
   * Left and right streams joined within 10 ms (grace 5 ms): inner, left and outer. The emit interval
   * of the outer joins' unjoined records is 0 (see run()), so they are emitted as soon as their window
   * closes, as Rivulet does, not at most once per second of wall-clock time.
   */
  static void streamStreamJoin(StreamsBuilder b) {
    KStream<String, String> left = b.stream("left");
    KStream<String, String> right = b.stream("right");
    JoinWindows windows = JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(10), Duration.ofMillis(5));
    left.join(right, KStreamsReference::pair, windows, StreamJoined.as("stream-inner")).to("stream-inner");
    left.leftJoin(right, KStreamsReference::pair, windows, StreamJoined.as("stream-left")).to("stream-left");
    left.outerJoin(right, KStreamsReference::pair, windows, StreamJoined.as("stream-outer")).to("stream-outer");
  }

  /**
   * People ({"name", "city", "age"}) grouped by city: count, aggregate ({"sum" of ages, "names"}) and
   * reduce (sum of ages, people regrouped to their age as text).
   */
  static void tableGroupBy(StreamsBuilder b) {
    KTable<String, String> people = b.table("people", Materialized.as("people-store"));
    KGroupedTable<String, String> byCity =
        people.groupBy((k, v) -> KeyValue.pair(field(v, "city"), v), Grouped.as("by-city"));
    byCity.count(Materialized.as("city-count")).toStream().mapValues(c -> String.valueOf(c)).to("city-count");
    byCity
        .aggregate(
            () -> "{\"sum\":0,\"names\":[]}",
            (k, v, agg) -> {
              ObjectNode out = (ObjectNode) parse(agg);
              out.put("sum", out.get("sum").asLong() + parse(v).get("age").asLong());
              ((ArrayNode) out.get("names")).add(parse(v).get("name").asText());
              return print(out);
            },
            (k, v, agg) -> {
              ObjectNode out = (ObjectNode) parse(agg);
              out.put("sum", out.get("sum").asLong() - parse(v).get("age").asLong());
              ArrayNode names = (ArrayNode) out.get("names");
              String name = parse(v).get("name").asText();
              for (int i = 0; i < names.size(); i++) {
                if (names.get(i).asText().equals(name)) {
                  names.remove(i);
                  break;
                }
              }
              return print(out);
            },
            Materialized.as("city-aggregate"))
        .toStream()
        .to("city-aggregate");
    people
        .groupBy((k, v) -> KeyValue.pair(field(v, "city"), parse(v).get("age").toString()), Grouped.as("ages-by-city"))
        .reduce(
            (agg, v) -> String.valueOf(Long.parseLong(agg) + Long.parseLong(v)),
            (agg, v) -> String.valueOf(Long.parseLong(agg) - Long.parseLong(v)),
            Materialized.as("city-age-sum"))
        .toStream()
        .to("city-age-sum");
  }

  /** Orders ({"product", "qty"}) joined with products by the order's product: inner and left. */
  static void foreignKeyJoin(StreamsBuilder b) {
    KTable<String, String> orders = b.table("orders", Materialized.as("orders-store"));
    KTable<String, String> products = b.table("products", Materialized.as("products-store"));
    orders.join(products, (String v) -> field(v, "product"), KStreamsReference::pair).toStream().to("fk-inner");
    orders.leftJoin(products, (String v) -> field(v, "product"), KStreamsReference::pair).toStream().to("fk-left");
  }

  /**
   * A stream's counts per key, and the sums of its values' "n" per key and 10 ms window ({"sum",
   * "nulls"}: a null value, which a windowed aggregation passes on, counts as a null).
   */
  static void streamAggregate(StreamsBuilder b) {
    KStream<String, String> clicks = b.stream("clicks");
    clicks.groupByKey().count(Materialized.as("click-count")).toStream().mapValues(c -> String.valueOf(c)).to("click-count");
    clicks
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(10)))
        .aggregate(
            () -> "{\"sum\":0,\"nulls\":0}",
            (k, v, agg) -> v == null ? add(agg, "nulls", 1) : add(agg, "sum", count(v)),
            Materialized.as("windowed-sum"))
        .toStream()
        .map((k, v) -> KeyValue.pair(windowedKey(k), v))
        .to("windowed-sum");
  }

  /** A windowed count's updates as `key@start/end` and the count (null: the window is gone). */
  static void countsTo(KTable<Windowed<String>, Long> counts, String topic) {
    counts.toStream().map((k, v) -> KeyValue.pair(windowedKey(k), v == null ? null : String.valueOf(v))).to(topic);
  }

  /**
   * Events counted per key in hopping (10 ms, advance 5), sliding (10 ms) and session (gap 5)
   * windows, each with 5 ms of grace.
   */
  static void windowedCounts(StreamsBuilder b) {
    KGroupedStream<String, String> events = b.<String, String>stream("events").groupByKey();
    Duration grace = Duration.ofMillis(5);
    countsTo(
        events.windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), grace).advanceBy(Duration.ofMillis(5))).count(Materialized.as("hopping-count")),
        "hopping-count");
    countsTo(events.windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(10), grace)).count(Materialized.as("sliding-count")), "sliding-count");
    countsTo(events.windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), grace)).count(Materialized.as("session-count")), "session-count");
  }

  /**
   * Events counted per key in tumbling windows (10 ms, grace 5), final results only
   * (EmitStrategy.onWindowClose()), emitted as soon as a window closes (see run()), as Rivulet does.
   * Run with the record cache on: with the cache off, Kafka Streams 4.4 emits no final result at all.
   */
  static void emitFinal(StreamsBuilder b) {
    countsTo(
        b.<String, String>stream("events")
            .groupByKey()
            .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
            .emitStrategy(EmitStrategy.onWindowClose())
            .count(Materialized.as("final-count")),
        "final-count");
  }

  static CogroupedKStream<String, String> clicksAndViews(StreamsBuilder b, KStream<String, String> clicks, KStream<String, String> views) {
    return clicks
        .groupByKey()
        .cogroup((String k, String v, String agg) -> add(agg, "clicks", count(v)))
        .cogroup(views.groupByKey(), (k, v, agg) -> add(agg, "views", count(v)));
  }

  /** Clicks and views ({"n"}) per user, cogrouped into {"clicks", "views"}: in total and per 10 ms window. */
  static void cogroup(StreamsBuilder b) {
    KStream<String, String> clicks = b.stream("clicks");
    KStream<String, String> views = b.stream("views");
    String init = "{\"clicks\":0,\"views\":0}";
    clicksAndViews(b, clicks, views)
        .aggregate(() -> init, Named.as("activity"), Materialized.as("activity"))
        .toStream()
        .to("activity");
    clicksAndViews(b, clicks, views)
        .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(10)))
        .aggregate(() -> init, Named.as("windowed-activity"), Materialized.as("windowed-activity"))
        .toStream()
        .map((k, v) -> KeyValue.pair(windowedKey(k), v))
        .to("windowed-activity");
  }

  /**
   * Events per key: a 10 ms windowed count suppressed until its window closes, and a count suppressed
   * for 5 ms with a buffer of 2 records (emitting early when full).
   */
  static void suppress(StreamsBuilder b) {
    KStream<String, String> events = b.stream("events");
    events
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(10)))
        .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as("window-counts").withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
        .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName("final-counts"))
        .toStream()
        .map((k, v) -> KeyValue.pair(windowedKey(k), String.valueOf(v)))
        .to("final-counts");
    events
        .groupByKey()
        .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts").withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
        .suppress(Suppressed.untilTimeLimit(Duration.ofMillis(5), BufferConfig.maxRecords(2)).withName("rate-limited"))
        .toStream()
        .mapValues(v -> String.valueOf(v))
        .to("rate-limited");
  }

  /** Sales ({"region", "amount"}) joined with a global table of regions by the sale's region: inner and left. */
  static void globalTableJoin(StreamsBuilder b) {
    GlobalKTable<String, String> regions = b.globalTable("regions", Materialized.as("regions-store"));
    KStream<String, String> sales = b.stream("sales");
    sales
        .join(regions, (k, v) -> v == null ? null : field(v, "region"), KStreamsReference::pair)
        .to("global-inner");
    sales
        .leftJoin(regions, (k, v) -> v == null ? null : field(v, "region"), KStreamsReference::pair)
        .to("global-left");
  }

  /**
   * Trades joined with a versioned table of prices (history 50 ms) as of each trade's timestamp:
   * inner and left; the prices table's own updates; the number of prices per band (high: 110 and up),
   * an aggregation of the versioned table.
   */
  static void versionedTableJoin(StreamsBuilder b) {
    KTable<String, String> prices =
        b.table("prices", Materialized.<String, String>as(Stores.persistentVersionedKeyValueStore("prices-store", Duration.ofMillis(50))));
    KStream<String, String> trades = b.stream("trades");
    trades.join(prices, KStreamsReference::pair).to("versioned-inner");
    trades.leftJoin(prices, KStreamsReference::pair).to("versioned-left");
    prices.toStream().to("price-updates");
    prices
        .groupBy((k, v) -> KeyValue.pair(parse(v).get("p").asLong() >= 110 ? "high" : "low", v), Grouped.as("price-bands"))
        .count(Materialized.as("price-bands"))
        .toStream()
        .mapValues(c -> String.valueOf(c))
        .to("price-bands");
  }

  // ---- Runner ----

  static ArrayNode run(JsonNode scenario) throws Exception {
    String name = scenario.get("scenario").asText();
    Consumer<StreamsBuilder> build = SCENARIOS.get(name);
    if (build == null) throw new IllegalArgumentException("unknown scenario: " + name);
    StreamsBuilder builder = new StreamsBuilder();
    build.accept(builder);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP_ID);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    // Caches off, so every update is emitted, but for the scenarios that emit final results only,
    // where the cache changes nothing but is needed (see emitFinal).
    if (!CACHED.contains(name)) props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    // Kafka Streams' internal setting: emit an outer join's unjoined records whenever their window
    // closes, rather than at most once per second of wall-clock time (which the driver does not move).
    props.put("__emit.interval.ms.kstreams.outer.join.spurious.results.fix__", 0L);
    // The same for the final results of a windowed aggregation (EmitStrategy.onWindowClose()).
    props.put("__emit.interval.ms.kstreams.windowed.aggregation__", 0L);
    Path stateDir = Files.createTempDirectory("kstreams-reference");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    ArrayNode outputs = JSON.createArrayNode();
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      Map<String, TestInputTopic<String, String>> inputs = new HashMap<>();
      for (JsonNode input : scenario.get("inputs")) {
        String topic = input.get("topic").asText();
        TestInputTopic<String, String> in =
            inputs.computeIfAbsent(topic, t -> driver.createInputTopic(t, new StringSerializer(), new StringSerializer()));
        JsonNode key = input.get("key");
        JsonNode value = input.get("value");
        in.pipeInput(
            key == null || key.isNull() ? null : key.asText(),
            value == null || value.isNull() ? null : value.asText(),
            input.get("timestamp").asLong());
      }
      for (String topic : new TreeSet<>(driver.producedTopicNames())) {
        if (topic.startsWith(APP_ID + "-")) continue; // repartition, changelog, subscription topics
        for (TestRecord<String, String> r :
            driver.createOutputTopic(topic, new StringDeserializer(), new StringDeserializer()).readRecordsToList()) {
          ObjectNode out = outputs.addObject();
          out.put("topic", topic);
          out.put("key", r.key());
          out.put("value", r.value());
          out.put("timestamp", r.timestamp());
        }
      }
    } finally {
      try (Stream<Path> paths = Files.walk(stateDir)) {
        paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
    return outputs;
  }

  public static void main(String[] args) throws Exception {
    JsonNode input = JSON.readTree(System.in);
    if (input.isArray()) {
      ArrayNode results = JSON.createArrayNode();
      for (JsonNode scenario : input) {
        ObjectNode result = results.addObject();
        result.put("scenario", scenario.get("scenario").asText());
        result.set("outputs", run(scenario));
      }
      System.out.println(print(results));
    } else {
      ObjectNode result = JSON.createObjectNode();
      result.set("outputs", run(input));
      System.out.println(print(result));
    }
  }
}
