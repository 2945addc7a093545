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
        // the special values and the edges of fixed notation, as CPython 3.11 prints them
        assertThat(SampleLog.pythonRepr(Double.NaN)).isEqualTo("nan");
        assertThat(SampleLog.pythonRepr(Double.POSITIVE_INFINITY)).isEqualTo("inf");
        assertThat(SampleLog.pythonRepr(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
        assertThat(SampleLog.pythonRepr(0.0)).isEqualTo("0.0");
        assertThat(SampleLog.pythonRepr(-0.0)).isEqualTo("-0.0");
        assertThat(SampleLog.pythonRepr(9.99e-5)).isEqualTo("9.99e-05");
        assertThat(SampleLog.pythonRepr(1e15)).isEqualTo("1000000000000000.0");
        assertThat(SampleLog.pythonRepr(1.5e20)).isEqualTo("1.5e+20");
        assertThat(SampleLog.pythonRepr(7.0)).isEqualTo("7.0");
    }

    @Test
    void nestedContainersAndSpecialValuesDumpAsPythonsJson() throws Exception {
        // json.dumps(doc, indent=2, ensure_ascii=False) in CPython 3.11: containers inside containers are indented
        // one level deeper each; NaN and infinities print as NaN / Infinity; control characters as a six-character escape
        JsonNode doc = Documents.JSON.readTree("{\"rows\":[{\"k\":[1,{\"z\":null}]},[2,\"x\"]],\"v\":1.5}");
        assertThat(SampleLog.pythonJson(doc, 0)).isEqualTo("""
                {
                  "rows": [
                    {
                      "k": [
                        1,
                        {
                          "z": null
                        }
                      ]
                    },
                    [
                      2,
                      "x"
                    ]
                  ],
                  "v": 1.5
                }""");
        assertThat(SampleLog.sha256(SampleLog.pythonJson(doc, 0))).isEqualTo("5ff711e78e8c2c603b12d8e211f8767a25bc7b1fa9969a9fe1350667fc01487f");
        var specials = Documents.JSON.createArrayNode().add(Double.NaN).add(Double.POSITIVE_INFINITY).add(Double.NEGATIVE_INFINITY)
                .add("\u0001\u001f");
        assertThat(SampleLog.pythonJson(specials, 0)).isEqualTo("[\n  NaN,\n  Infinity,\n  -Infinity,\n  \"\\u0001\\u001f\"\n]");
    }

    @Test
    void lambadaSampleTakesAccFromGreedyAndLogsTheTargetText() {
        TaskSpec spec = Tasks.get("lambada_openai");
        ObjectNode doc = Documents.JSON.createObjectNode().put("text", "the cat sat");
        var sample = new SampleLog.Sample(doc, spec.item(0, doc), List.of(new ChoiceScore(-1.25, true, 1)));
        ObjectNode o = SampleLog.sample(spec, sample);
        assertThat(o.get("target").asText()).isEqualTo(" sat");
        assertThat(o.get("acc").asInt()).isEqualTo(1);   // every target token greedy, though there is no gold index
        assertThat(o.get("perplexity").asDouble()).isEqualTo(-1.25);
        // hashlib.sha256 of "the cat" and " sat" in CPython
        assertThat(o.get("prompt_hash").asText()).isEqualTo("70a48cc5ea382e9b5ffcc178db8239c9c7da9ff1f91ac98e869ba4853468efbf");
        assertThat(o.get("target_hash").asText()).isEqualTo("15683273675fdff1aac7dd76906a4d9de89c4b3def9fff84dfc6518a471b282d");
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
        // a rolling request has one argument, the whole detokenized page, which is also what the prompt hash covers
        assertThat(o.get("arguments").toString()).isEqualTo("{\"gen_args_0\":{\"arg_0\":\"a, b\"}}");
        assertThat(o.get("prompt_hash").asText()).isEqualTo("4a479db6af79906e7200f9560d9af890f0077e394e3ae44cbd2a2bb3ba5c2c2d");
    }
}
