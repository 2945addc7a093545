package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SampleLogTest {
    @Test
    void floatsPrintAsPythonsRepr() {
        // repr() of each value, printed by CPython 3.11
        assertThat(SampleLog.pythonRepr(-12.345678901234567)).isEqualTo("-12.345678901234567");
        assertThat(SampleLog.pythonRepr(-0.0001)).isEqualTo("-0.0001");
        assertThat(SampleLog.pythonRepr(-0.00001234)).isEqualTo("-1.234e-05");
        assertThat(SampleLog.pythonRepr(-1234567.0)).isEqualTo("-1234567.0");
        assertThat(SampleLog.pythonRepr(1e16)).isEqualTo("1e+16");
        assertThat(SampleLog.pythonRepr(123456789012345.6)).isEqualTo("123456789012345.6");
        assertThat(SampleLog.pythonRepr(-0.5)).isEqualTo("-0.5");
        assertThat(SampleLog.pythonRepr(-3.0)).isEqualTo("-3.0");
        assertThat(SampleLog.pythonRepr(2.5e-300)).isEqualTo("2.5e-300");
    }

    @Test
    void docHashIsOverPythonsIndentedJsonDump() throws Exception {
        JsonNode doc = Documents.JSON.readTree("{\"goal\":\"How do I \\\"fix\\\" it?\\n\",\"sol1\":\"Use é — tape\\t\",\"sol2\":\"x\","
                + "\"label\":1,\"nested\":{\"a\":[1,2.5,true,null],\"b\":[],\"c\":{}}}");
        // hashlib.sha256(json.dumps(doc, indent=2, ensure_ascii=False).encode()).hexdigest() in CPython 3.11
        assertThat(SampleLog.sha256(SampleLog.pythonJson(doc, 0))).isEqualTo("bfbf7d268f4641bc27b4ac5bd7d13480c52b0422901b00ca03137321ddb76ec7");
    }

    @Test
    void multipleChoiceSampleHasLmEvalsFields() {
        TaskSpec spec = Tasks.get("piqa");
        ObjectNode doc = Documents.JSON.createObjectNode().put("goal", "q").put("sol1", "a").put("sol2", "bbbb").put("label", 1);
        TaskItem item = spec.item(7, doc);
        // raw argmax picks choice 0 (-2 > -3); normalised by length: -2/1 < -3/4, so choice 1 = gold
        var sample = new SampleLog.Sample(doc, item, List.of(new ChoiceScore(-2, true, 1), new ChoiceScore(-3, false, 2)));
        ObjectNode o = SampleLog.sample(spec, sample);
        assertThat(o.get("doc_id").asInt()).isEqualTo(7);
        assertThat(o.get("doc")).isEqualTo(doc);
        assertThat(o.get("target").asInt()).isEqualTo(1);
        assertThat(o.get("arguments").get("gen_args_1").get("arg_0").asText()).isEqualTo("Question: q\nAnswer:");
        assertThat(o.get("arguments").get("gen_args_1").get("arg_1").asText()).isEqualTo(" bbbb");
        assertThat(o.get("resps").toString()).isEqualTo("[[[\"-2.0\",\"True\"]],[[\"-3.0\",\"False\"]]]");
        assertThat(o.get("filtered_resps").toString()).isEqualTo("[[\"-2.0\",\"True\"],[\"-3.0\",\"False\"]]");
        assertThat(o.get("acc").asDouble()).isEqualTo(0.0);
        assertThat(o.get("acc_norm").asDouble()).isEqualTo(1.0);
        assertThat(o.get("metrics").toString()).isEqualTo("[\"acc\",\"acc_norm\"]");
        // sha256 of "Question: q\nAnswer:" and of "1" (hashlib in CPython)
        assertThat(o.get("prompt_hash").asText()).isEqualTo(SampleLog.sha256("Question: q\nAnswer:"));
        assertThat(SampleLog.sha256("1")).isEqualTo("6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b");
        assertThat(o.get("target_hash").asText()).isEqualTo("6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b");
    }

    @Test
    void rollingSampleLogsTheLogLikelihoodAndTheWeights() {
        TaskSpec spec = Tasks.get("wikitext");
        ObjectNode doc = Documents.JSON.createObjectNode().put("page", "a , b");
        var sample = new SampleLog.Sample(doc, spec.item(0, doc), List.of(new ChoiceScore(-7.5, false, 3)));
        ObjectNode o = SampleLog.sample(spec, sample);
        assertThat(o.get("target").asText()).isEqualTo("a, b");
        assertThat(o.get("resps").toString()).isEqualTo("[[\"-7.5\"]]");
        assertThat(o.get("filtered_resps").toString()).isEqualTo("[\"-7.5\"]");
        assertThat(o.get("word_perplexity").toString()).isEqualTo("[-7.5,3]");
        assertThat(o.get("bits_per_byte").toString()).isEqualTo("[-7.5,5]");
    }
}
