package superweight.cli;

import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.function.Function;

/** How the eval commands obtain a model's tokenizer; tests substitute a test double. */
final class ModelTokenizer {
    static volatile Function<Path, Tokenizer> loader = Tokenizers::load;

    private ModelTokenizer() {
    }

    static Tokenizer load(Path model) {
        return loader.apply(model);
    }
}
