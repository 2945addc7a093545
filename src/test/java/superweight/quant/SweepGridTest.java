package superweight.quant;

import org.junit.jupiter.api.Test;
import superweight.SuperweightException;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SweepGridTest {
    @Test
    void methodsExpandIntoSchemesAndUnits() {
        var cs = SweepGrid.conditions(List.of("16384", "65536", "tensor"), List.of("rtn", "clip", "clip+restore", "tp:1e-6+restore"),
                List.of("int4", "nf4"), ClipRule.zScore(9), 1f, RaggedBlocks.WHOLE, false);
        assertThat(cs).hasSize(3 * 4 * 2);
        assertThat(cs.getFirst().series()).isEqualTo("int4 rtn");
        assertThat(cs.getFirst().scheme().clip()).isEqualTo(ClipRule.NONE);
        assertThat(cs.getFirst().x()).isEqualTo(16384);
        assertThat(cs.get(2).x()).isNaN();
        assertThat(cs.get(3).series()).isEqualTo("int4 z:9.0");
        assertThat(cs.get(3).scheme().restores()).isFalse();
        assertThat(cs.get(6).series()).isEqualTo("int4 z:9.0+restore");
        assertThat(cs.get(6).scheme().restoreFactor()).isEqualTo(1f);
        assertThat(cs.get(9).scheme().clip()).isEqualTo(new ClipRule(ClipRule.Kind.TENSOR_PERCENTAGE, 1e-6));
        assertThat(cs.get(12).series()).isEqualTo("nf4 rtn");
        assertThat(cs.stream().map(c -> c.scheme().key(List.of())).distinct()).hasSize(24);
        var units = SweepGrid.units("m", cs, List.of("task:piqa", "ppl:wikitext2"));
        assertThat(units).hasSize(48);
        assertThat(units.get(1)).isEqualTo(new SweepGrid.Unit("m", cs.getFirst(), "ppl:wikitext2"));
    }

    @Test
    void badMethodsAreRefused() {
        assertThatThrownBy(() -> SweepGrid.conditions(List.of("16384"), List.of("gptq"), List.of("int4"), ClipRule.zScore(9), 1f, RaggedBlocks.WHOLE, false))
                .isInstanceOf(SuperweightException.class).hasMessageContaining("--methods 'gptq'");
        assertThatThrownBy(() -> SweepGrid.conditions(List.of("16384"), List.of("clip"), List.of("int4"), ClipRule.NONE, 1f, RaggedBlocks.WHOLE, false))
                .isInstanceOf(SuperweightException.class).hasMessageContaining("--clip");
    }
}
