package superweight.model.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helper: writes a .safetensors file from raw tensors (dtype, shape, bytes). */
public final class TestSafetensors {
    public record Raw(String dtype, long[] shape, byte[] data) {
    }

    private TestSafetensors() {
    }

    /** Reads every tensor of an existing file as raw bytes (to rewrite it with changes). */
    public static Map<String, Raw> read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        var header = new ObjectMapper().readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
        Map<String, Raw> out = new LinkedHashMap<>();
        header.properties().forEach(e -> {
            if (e.getKey().equals("__metadata__")) return;
            var t = e.getValue();
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = t.get("shape").get(i).asLong();
            int b = t.get("data_offsets").get(0).asInt(), end = t.get("data_offsets").get(1).asInt();
            byte[] data = java.util.Arrays.copyOfRange(all, (int) (8 + n + b), (int) (8 + n + end));
            out.put(e.getKey(), new Raw(t.get("dtype").asText(), shape, data));
        });
        return out;
    }

    public static void write(Path file, Map<String, Raw> tensors) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (var e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype());
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) shape.add(d);
            var off = t.putArray("data_offsets");
            off.add(data.size());
            data.write(e.getValue().data());
            off.add(data.size());
        }
        byte[] h = json.writeValueAsBytes(header);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(len.array());
        all.write(h);
        all.write(data.toByteArray());
        Files.write(file, all.toByteArray());
    }
}
