import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * Avro's own answers, the reference for MockSchemaRegistry: reads a JSON file of cases and prints a
 * JSON object of verdicts.
 *
 * Input: {"pairs": [{"id", "reader", "writer"}], "schemas": [{"id", "schema", "references": [..]}]},
 * schemas as text. For a pair: SchemaCompatibility.checkReaderWriterCompatibility(reader, writer),
 * each schema parsed with its own Schema.Parser as Confluent's AvroSchema does, printed as
 * {"compatible", "incompatibilities": [{"type", "location", "message"}]} or {"error"} when Avro
 * throws. For a schema: Confluent's canonical text, the schema parsed after its references with one
 * parser (defaults validated, as for a schema being registered) and printed with
 * Schema.toString(references, false), or {"error"} when Avro refuses it.
 *
 * Run: java -cp 'libs/*' AvroCompatibility.java cases.json
 */
public class AvroCompatibility {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode input = mapper.readTree(new File(args[0]));
    ObjectNode out = mapper.createObjectNode();
    ObjectNode pairs = out.putObject("pairs");
    for (JsonNode pair : input.path("pairs")) {
      ObjectNode verdict = pairs.putObject(pair.get("id").asText());
      try {
        Schema reader = new Schema.Parser().parse(pair.get("reader").asText());
        Schema writer = new Schema.Parser().parse(pair.get("writer").asText());
        SchemaCompatibility.SchemaCompatibilityResult result =
            SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
        verdict.put("compatible", result.getCompatibility() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        ArrayNode list = verdict.putArray("incompatibilities");
        for (SchemaCompatibility.Incompatibility i : result.getIncompatibilities()) {
          ObjectNode each = list.addObject();
          each.put("type", i.getType().name());
          each.put("location", i.getLocation());
          each.put("message", i.getMessage());
        }
      } catch (Exception e) {
        verdict.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
    ObjectNode schemas = out.putObject("schemas");
    for (JsonNode entry : input.path("schemas")) {
      ObjectNode verdict = schemas.putObject(entry.get("id").asText());
      try {
        Schema.Parser parser = new Schema.Parser();
        List<Schema> references = new ArrayList<>();
        for (JsonNode reference : entry.path("references")) references.add(parser.parse(reference.asText()));
        Schema schema = parser.parse(entry.get("schema").asText());
        verdict.put("canonical", schema.toString(references, false));
      } catch (Exception e) {
        verdict.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
    System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(out));
  }
}
