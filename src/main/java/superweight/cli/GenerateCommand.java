package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.SuperweightException;
import superweight.engine.Generator;
import superweight.engine.Interventions;
import superweight.engine.Transformer;
import superweight.model.Model;

import superweight.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate tokens after a prompt with the KV cache (greedy at temperature 0).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    KernelsOption kernels;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--tokens", paramLabel = "IDS", description = "Prompt token ids, comma or space separated.")
        String tokens;

        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text, tokenized with the model's tokenizer.")
        String prompt;
    }

    @Option(names = "--add-bos", negatable = true, description = "Prepend BOS to --prompt (default: the tokenizer's add_bos_token setting).")
    Boolean addBos;

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
        Model m = kernels.load(model);
        try {
            Path path = model.path();
            int[] prompt = Cli.inputIds(input.tokens, input.prompt, null, addBos, path);
            Cli.checkIds(prompt, m.config().vocabSize(), "--tokens");
            if (prompt.length == 0) throw new SuperweightException("--prompt: the prompt encodes to no tokens");
            Cli.checkLength(prompt.length + maxTokens, m.config().contextLength(), "prompt + --max-tokens");
            List<Integer> ids = new Generator(new Transformer(m)).generate(prompt, maxTokens, temperature, seed,
                    ignoreEos ? -1 : m.config().eosId(), Interventions.NONE);
            Tokenizer tok = Cli.tokenizerOrNull(path);
            String text = tok == null ? null : tok.decode(ids.stream().mapToInt(Integer::intValue).toArray());
            var out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("prompt_ids", prompt);
                r.put("ids", ids);
                r.put("text", text);
                r.put("kernels", kernels.label());
                r.put("kv_cache", kernels.cacheLabel());
                Cli.printJson(out, r);
            } else {
                spec.commandLine().getErr().println("kernels: " + kernels.text());
                spec.commandLine().getErr().flush();
                out.println(text != null ? text : ids.stream().map(String::valueOf).reduce((a, b) -> a + " " + b).orElse(""));
                out.flush();
            }
            return 0;
        } finally {
            m.checkpoint().close();
        }
    }
}
