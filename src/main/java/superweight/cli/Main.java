package superweight.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import superweight.SuperweightException;

import java.io.PrintWriter;

/** Entry point: one subcommand per job; user errors print one line and exit non-zero. */
@Command(name = "superweight", mixinStandardHelpOptions = true, version = "superweight 0.1.0",
        description = "Find, test and protect the super weights of large language models.",
        subcommands = {
                CommandLine.HelpCommand.class,
                InfoCommand.class,
                ScoreCommand.class,
                GenerateCommand.class,
                SynthCommand.class,
                ConvertCommand.class,
                BenchCommand.class,
                DetectCommand.class,
                CatalogCommand.class,
                CharacterizeCommand.class,
                AblateCommand.class,
                ScaleSweepCommand.class,
                TokenShiftCommand.class,
                CaseStudyCommand.class,
                TokenizeCommand.class,
                PplCommand.class,
                EvalCommand.class,
                QuantizeCommand.class,
                QuantSweepCommand.class,
                QuantTableCommand.class,
                ReportCommand.class,
        })
public final class Main implements Runnable {
    static boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code (tests call this instead of main). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        debug = java.util.Arrays.asList(args).contains("--debug");
        String[] rest = java.util.Arrays.stream(args).filter(a -> !a.equals("--debug")).toArray(String[]::new);
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (debug) ex.printStackTrace(err);
            err.println("error: " + oneLine(ex));
            err.flush();
            return ex instanceof SuperweightException ? 1 : 3;
        });
        cl.setParameterExceptionHandler((ex, args1) -> {
            err.println("error: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return 2;
        });
        return cl.execute(rest);
    }

    private static String oneLine(Throwable ex) {
        String msg = ex.getMessage();
        if (!(ex instanceof SuperweightException)) {
            msg = ex.getClass().getSimpleName() + (msg == null ? "" : ": " + msg) + " (run with --debug for details)";
        }
        return msg == null ? ex.toString() : msg.replace('\n', ' ');
    }
}
