package superweight.jobs;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.eval.ModelFingerprint;
import superweight.model.KernelMode;
import superweight.model.KvCache;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Derivation.InArithmetic}: an executor that opens the checkpoint derives the model eval's driver scores
 * with {@code --kernels int8 --kv-cache f16}, so both store under one key; on the driver's already derived model it
 * changes nothing. Without it the executors scored the float model and the driver computed everything again.
 */
class ArithmeticDerivationTest {
    @Test
    void anExecutorDerivesTheDriversModelKey() throws Exception {
        Model base = ModelLoader.load(Fixtures.arch("llama").resolve("model-f32.gguf"));
        try {
            Model driver = KernelMode.INT8.apply(KvCache.F16.apply(base));
            Derivation d = Derivation.InArithmetic.of(new Derivation.Unchanged("original"), KernelMode.INT8, KvCache.F16);
            Derivation shipped = roundTrip(d);
            assertThat(shipped.key()).isEqualTo(d.key()).isNotEqualTo(new Derivation.Unchanged("original").key());
            assertThat(shipped.condition()).isEqualTo("original");
            assertThat(ModelFingerprint.of(shipped.derive(base).model())).isEqualTo(ModelFingerprint.of(driver))
                    .isNotEqualTo(ModelFingerprint.of(base));
            assertThat(shipped.derive(driver).model()).isSameAs(driver);
            Derivation plain = new Derivation.Unchanged("original");
            assertThat(Derivation.InArithmetic.of(plain, KernelMode.FLOAT, KvCache.F32)).isSameAs(plain);
        } finally {
            base.checkpoint().close();
        }
    }

    private static Derivation roundTrip(Derivation d) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(d);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Derivation) in.readObject();
        }
    }
}
