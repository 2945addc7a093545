package superweight.cli;

import picocli.CommandLine.Option;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.format.ModelPaths;

import java.nio.file.Path;

/** The --model option of every command that opens a model (a picocli mixin). */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "M",
            description = "Model directory (config.json + safetensors), .safetensors, .gguf or llama2.c .bin file, "
                    + "or a Hugging Face id org/name[@revision][:file.gguf] (downloaded into the Hugging Face cache unless there already).")
    String spec;

    Path path() {
        return ModelPaths.resolve(spec);
    }

    Model load() {
        return ModelLoader.load(path());
    }
}
