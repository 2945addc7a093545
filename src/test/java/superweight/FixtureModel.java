package superweight;

import superweight.model.Model;
import superweight.model.ModelLoader;

import java.nio.file.Path;

/**
 * A fixture model a test class loads once and JUnit closes after the class's tests (its memory-mapped checkpoint):
 * {@code @AutoClose static final FixtureModel LLAMA = FixtureModel.load(Fixtures.arch("llama"));}
 */
public record FixtureModel(Model model) implements AutoCloseable {
    public static FixtureModel load(Path path) {
        return new FixtureModel(ModelLoader.load(path));
    }

    @Override
    public void close() {
        model.checkpoint().close();
    }
}
