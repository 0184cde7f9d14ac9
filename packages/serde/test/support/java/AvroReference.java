import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.TimePeriod;

/**
 * Apache Avro's Java implementation as the reference for Rivulet's Avro serdes. Reads JSON lines
 * on stdin and answers one JSON line each on stdout:
 *
 * <pre>
 * {"op":"encode","schema":S,"value":V}            -> {"hex":"..."}            Avro binary of V
 * {"op":"decode","writer":S,"reader":S?,"hex":H}  -> {"raw":V,"logical":V}    H read (resolved) into the reader
 * anything that fails                             -> {"error":"..."}
 * </pre>
 *
 * Values are exact JSON: long as a decimal string, int as a number, double and float as a string
 * parsed by Java (encode) or their IEEE bits ("d:" + 16 hex digits, "f:" + 8) on decode, bytes and
 * fixed as hex, a union branch as {"<branch name>": value} (null for null). On encode, a decimal,
 * a uuid on fixed and a duration take their logical value (decimal text, UUID text, {months, days,
 * milliseconds}); every other logical type its underlying value. On decode, "raw" is read without
 * conversions and "logical" with Java's conversions: Instant as "instant:<epochSecond>:<nano>",
 * LocalDateTime as "local:<epochSecond at UTC>:<nano>", LocalDate as "date:<epochDay>", LocalTime
 * as "time:<nanoOfDay>", BigDecimal as "decimal:<plain text>", UUID as "uuid:<text>", TimePeriod
 * as "duration:<months>:<days>:<millis>", or {"error": ...} when a conversion fails.
 *
 * Run: java -cp 'libs/*' AvroReference.java < requests.jsonl
 */
public class AvroReference {
  static final ObjectMapper JSON = new ObjectMapper();
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final HexFormat HEX = HexFormat.of();
  static final GenericData RAW = new GenericData();
  static final GenericData LOGICAL = new GenericData();

  static {
    LOGICAL.addLogicalTypeConversion(new Conversions.DecimalConversion());
    LOGICAL.addLogicalTypeConversion(new Conversions.UUIDConversion());
    LOGICAL.addLogicalTypeConversion(new Conversions.DurationConversion());
    LOGICAL.addLogicalTypeConversion(new TimeConversions.DateConversion());
    LOGICAL.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
    LOGICAL.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
    LOGICAL.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    LOGICAL.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
    LOGICAL.addLogicalTypeConversion(new TimeConversions.TimestampNanosConversion());
    LOGICAL.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
    LOGICAL.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
    LOGICAL.addLogicalTypeConversion(new TimeConversions.LocalTimestampNanosConversion());
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      JsonNode answer;
      try {
        answer = handle(JSON.readTree(line));
      } catch (Exception e) {
        answer = NODES.objectNode().put("error", String.valueOf(e));
      }
      out.println(JSON.writeValueAsString(answer));
    }
    out.flush();
  }

  static Schema parse(JsonNode schema) {
    return new Schema.Parser().parse(schema.toString());
  }

  static JsonNode handle(JsonNode request) throws Exception {
    String op = request.get("op").asText();
    if (op.equals("encode")) {
      Schema schema = parse(request.get("schema"));
      Object datum = toDatum(schema, request.get("value"));
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
      new GenericDatumWriter<Object>(schema, LOGICAL).write(datum, encoder);
      encoder.flush();
      return NODES.objectNode().put("hex", HEX.formatHex(bytes.toByteArray()));
    }
    if (op.equals("decode")) {
      Schema writer = parse(request.get("writer"));
      Schema reader = request.has("reader") ? parse(request.get("reader")) : writer;
      byte[] bytes = HEX.parseHex(request.get("hex").asText());
      ObjectNode answer = NODES.objectNode();
      answer.set("raw", toJson(read(writer, reader, bytes, RAW)));
      try {
        answer.set("logical", toJson(read(writer, reader, bytes, LOGICAL)));
      } catch (Exception e) {
        answer.set("logical", NODES.objectNode().put("error", String.valueOf(e)));
      }
      return answer;
    }
    throw new IllegalArgumentException("unknown op " + op);
  }

  static Object read(Schema writer, Schema reader, byte[] bytes, GenericData data) throws Exception {
    var decoder = DecoderFactory.get().binaryDecoder(bytes, null);
    Object value = new GenericDatumReader<Object>(writer, reader, data).read(null, decoder);
    if (!decoder.isEnd()) throw new IllegalStateException("bytes left over");
    return value;
  }

  static Object toDatum(Schema schema, JsonNode node) {
    LogicalType logical = schema.getLogicalType();
    switch (schema.getType()) {
      case NULL:
        return null;
      case BOOLEAN:
        return node.asBoolean();
      case INT:
        return new BigInteger(node.asText()).intValueExact();
      case LONG:
        return new BigInteger(node.asText()).longValueExact();
      case FLOAT:
        return Float.parseFloat(node.asText());
      case DOUBLE:
        return Double.parseDouble(node.asText());
      case STRING:
        return node.asText();
      case BYTES:
        if (logical instanceof LogicalTypes.Decimal) {
          return new Conversions.DecimalConversion().toBytes(decimal(node, (LogicalTypes.Decimal) logical), schema, logical);
        }
        return ByteBuffer.wrap(HEX.parseHex(node.asText()));
      case FIXED:
        if (logical instanceof LogicalTypes.Decimal) {
          return new Conversions.DecimalConversion().toFixed(decimal(node, (LogicalTypes.Decimal) logical), schema, logical);
        }
        if (logical != null && logical.getName().equals("uuid")) {
          return new Conversions.UUIDConversion().toFixed(UUID.fromString(node.asText()), schema, logical);
        }
        if (logical != null && logical.getName().equals("duration")) {
          TimePeriod period = TimePeriod.of(node.get("months").asLong(), node.get("days").asLong(), node.get("milliseconds").asLong());
          return new Conversions.DurationConversion().toFixed(period, schema, logical);
        }
        return new GenericData.Fixed(schema, HEX.parseHex(node.asText()));
      case ENUM:
        return new GenericData.EnumSymbol(schema, node.asText());
      case ARRAY: {
        List<Object> items = new ArrayList<>();
        for (JsonNode item : node) items.add(toDatum(schema.getElementType(), item));
        return new GenericData.Array<>(schema, items);
      }
      case MAP: {
        Map<String, Object> map = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) map.put(e.getKey(), toDatum(schema.getValueType(), e.getValue()));
        return map;
      }
      case RECORD: {
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) record.put(field.pos(), toDatum(field.schema(), node.get(field.name())));
        return record;
      }
      case UNION: {
        if (node == null || node.isNull()) return null;
        String branch = node.properties().iterator().next().getKey();
        for (Schema type : schema.getTypes()) {
          if (type.getFullName().equals(branch)) return toDatum(type, node.get(branch));
        }
        throw new IllegalArgumentException("no branch " + branch + " in " + schema);
      }
      default:
        throw new IllegalArgumentException("unsupported " + schema);
    }
  }

  /** The decimal at the schema's scale: Java refuses to round, as Rivulet does. */
  static BigDecimal decimal(JsonNode node, LogicalTypes.Decimal logical) {
    return new BigDecimal(node.asText()).setScale(logical.getScale());
  }

  static JsonNode toJson(Object value) {
    if (value == null) return NODES.nullNode();
    if (value instanceof Boolean) return NODES.booleanNode((Boolean) value);
    if (value instanceof Integer) return NODES.numberNode((Integer) value);
    if (value instanceof Long) return NODES.textNode(value.toString());
    if (value instanceof Double) return NODES.textNode("d:" + String.format("%016x", Double.doubleToRawLongBits((Double) value)));
    if (value instanceof Float) return NODES.textNode("f:" + String.format("%08x", Float.floatToRawIntBits((Float) value)));
    if (value instanceof CharSequence) return NODES.textNode(value.toString());
    if (value instanceof ByteBuffer) {
      ByteBuffer buffer = ((ByteBuffer) value).duplicate();
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return NODES.textNode(HEX.formatHex(bytes));
    }
    if (value instanceof GenericFixed) return NODES.textNode(HEX.formatHex(((GenericFixed) value).bytes()));
    if (value instanceof GenericData.EnumSymbol) return NODES.textNode(value.toString());
    if (value instanceof Instant) {
      Instant i = (Instant) value;
      return NODES.textNode("instant:" + i.getEpochSecond() + ":" + i.getNano());
    }
    if (value instanceof LocalDateTime) {
      LocalDateTime t = (LocalDateTime) value;
      return NODES.textNode("local:" + t.toEpochSecond(ZoneOffset.UTC) + ":" + t.getNano());
    }
    if (value instanceof LocalDate) return NODES.textNode("date:" + ((LocalDate) value).toEpochDay());
    if (value instanceof LocalTime) return NODES.textNode("time:" + ((LocalTime) value).toNanoOfDay());
    if (value instanceof BigDecimal) return NODES.textNode("decimal:" + ((BigDecimal) value).toPlainString());
    if (value instanceof UUID) return NODES.textNode("uuid:" + value);
    if (value instanceof TimePeriod) {
      TimePeriod p = (TimePeriod) value;
      return NODES.textNode("duration:" + p.getMonths() + ":" + p.getDays() + ":" + p.getMillis());
    }
    if (value instanceof GenericRecord) {
      GenericRecord record = (GenericRecord) value;
      ObjectNode node = NODES.objectNode();
      for (Schema.Field field : record.getSchema().getFields()) node.set(field.name(), toJson(record.get(field.pos())));
      return node;
    }
    if (value instanceof List) {
      ArrayNode node = NODES.arrayNode();
      for (Object item : (List<?>) value) node.add(toJson(item));
      return node;
    }
    if (value instanceof Map) {
      ObjectNode node = NODES.objectNode();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) node.set(e.getKey().toString(), toJson(e.getValue()));
      return node;
    }
    throw new IllegalArgumentException("cannot print " + value.getClass());
  }
}
