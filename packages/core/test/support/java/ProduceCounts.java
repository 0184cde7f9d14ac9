import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes `count` records to one partition as fast as the Java producer goes (a million in a few
 * seconds, where kafkajs takes close to a minute): record i has key `<prefix><i % keys>` (UTF-8)
 * and value i / keys + 1 as an 8-byte big-endian integer, Rivulet's int64 serde. So each key's last
 * record holds its number of records: a count store's changelog, made up. Prints the number of
 * records written. Run: java -cp 'libs/*' ProduceCounts.java host:port topic partition count keys prefix
 */
public class ProduceCounts {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("acks", "all");
    props.put("linger.ms", "20");
    props.put("batch.size", String.valueOf(512 * 1024));
    props.put("key.serializer", ByteArraySerializer.class.getName());
    props.put("value.serializer", ByteArraySerializer.class.getName());
    String topic = args[1];
    int partition = Integer.parseInt(args[2]);
    long count = Long.parseLong(args[3]);
    int keys = Integer.parseInt(args[4]);
    String prefix = args[5];
    byte[][] keyBytes = new byte[keys][];
    for (int k = 0; k < keys; k++) keyBytes[k] = (prefix + k).getBytes(StandardCharsets.UTF_8);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      for (long i = 0; i < count; i++) {
        byte[] value = ByteBuffer.allocate(8).putLong(i / keys + 1).array();
        producer.send(new ProducerRecord<>(topic, partition, keyBytes[(int) (i % keys)], value));
      }
      producer.flush();
    }
    System.out.println(count);
  }
}
