package superweight.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.model.Model;
import superweight.model.format.Checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The name to look a model up in the catalog by, when the user gives none: a Hugging Face checkpoint's
 * config.json {@code _name_or_path}, else the repository of a Hugging Face cache path
 * (.../models--org--name/snapshots/hash), else the model's own name (GGUF general.name, or the folder/file name).
 */
public final class ModelIdentity {
    private ModelIdentity() {
    }

    public static String infer(Model model) {
        Checkpoint ck = model.checkpoint();
        if (ck != null && ck.format() == Checkpoint.Format.HUGGING_FACE) {
            Path dir = Files.isDirectory(ck.path()) ? ck.path() : ck.path().toAbsolutePath().getParent();
            Path config = dir.resolve("config.json");
            try {
                JsonNode c = new ObjectMapper().readTree(config.toFile());
                String name = c.path("_name_or_path").asText("");
                if (!name.isBlank()) return name;
            } catch (IOException e) {
                // the loader already read this file; without it the folder name below still identifies the model
            }
        }
        if (ck != null) {
            for (Path part : ck.path().toAbsolutePath().normalize()) {
                String n = part.toString();
                if (n.startsWith("models--") && n.length() > "models--".length()) return n.substring("models--".length()).replace("--", "/");
            }
        }
        return model.id();
    }
}
