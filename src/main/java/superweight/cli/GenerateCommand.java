package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.SuperweightException;
import superweight.engine.Generator;
import superweight.engine.Interventions;
import superweight.engine.Transformer;
import superweight.model.Model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate tokens after a prompt with the KV cache (greedy at temperature 0).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "Model path or Hugging Face id (see info).")
    String model;

    @Option(names = "--tokens", required = true, paramLabel = "IDS", description = "Prompt token ids, comma or space separated.")
    String tokens;

    @Option(names = "--max-tokens", defaultValue = "32", paramLabel = "N", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 = greedy (default); > 0 samples.")
    float temperature;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ignore-eos", description = "Do not stop at the end-of-sequence token.")
    boolean ignoreEos;

    @Option(names = "--json", description = "Print {\"prompt_ids\", \"ids\", \"text\"}.")
    boolean json;

    @Override
    public Integer call() {
        if (maxTokens < 1) throw new SuperweightException("--max-tokens must be at least 1 (got " + maxTokens + ")");
        if (temperature < 0) throw new SuperweightException("--temperature must not be negative (got " + temperature + ")");
        Model m = Cli.loadModel(model);
        try {
            int[] prompt = Cli.parseIds(tokens, "--tokens");
            Cli.checkIds(prompt, m.config().vocabSize(), "--tokens");
            List<Integer> ids = new Generator(new Transformer(m)).generate(prompt, maxTokens, temperature, seed,
                    ignoreEos ? -1 : m.config().eosId(), Interventions.NONE);
            var out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("prompt_ids", prompt);
                r.put("ids", ids);
                r.put("text", null);
                Cli.printJson(out, r);
            } else {
                out.println(ids.stream().map(String::valueOf).reduce((a, b) -> a + " " + b).orElse(""));
                out.flush();
            }
            return 0;
        } finally {
            m.checkpoint().close();
        }
    }
}
